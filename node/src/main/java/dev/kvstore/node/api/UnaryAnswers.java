package dev.kvstore.node.api;

import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.RequestContext;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The two steps every unary RPC of a gRPC adapter takes (as etcd's v3rpc handlers): check the
 * request, then call the request layer and send what it answers. Shared by {@link KvStoreService}
 * and {@link LeaseService}.
 */
final class UnaryAnswers {

  private UnaryAnswers() {}

  /**
   * Calls {@code layer} for the current call (its user, and its time: the node's request timeout or
   * less when the caller's deadline is sooner); sends its response, or the status it failed with
   * ({@link RaftFailures#statusOf}). Must run on the thread that received the call, where its gRPC
   * context is current.
   */
  static <Q, A> void answer(BiFunction<Q, RequestContext, CompletableFuture<A>> layer, Q request,
      RequestBudget budget, StreamObserver<A> out) {
    layer.apply(request, currentCall(budget)).whenComplete((response, error) -> {
      if (error != null) {
        out.onError(RaftFailures.statusOf(error));
      } else {
        out.onNext(response);
        out.onCompleted();
      }
    });
  }

  /** Who the current call acts for and how long it may take. Must run where the call's context is current. */
  static RequestContext currentCall(RequestBudget budget) {
    return new RequestContext(CallerIdentity.current(), budget.forCurrentCall());
  }

  /** Runs a request check; a rejected request gets its INVALID_ARGUMENT status and no further work. */
  static boolean accepted(Runnable check, StreamObserver<?> out) {
    try {
      check.run();
      return true;
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return false;
    }
  }
}
