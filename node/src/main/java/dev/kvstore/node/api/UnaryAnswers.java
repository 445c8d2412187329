package dev.kvstore.node.api;

import dev.kvstore.node.request.RaftFailures;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The two steps every unary RPC of a gRPC adapter takes (as etcd's v3rpc handlers): check the
 * request, then call the request layer and send what it answers. Shared by {@link KvStoreService}
 * and {@link LeaseService}.
 */
final class UnaryAnswers {

  private UnaryAnswers() {}

  /** Calls {@code layer} with {@code wait}; sends its response, or the status it failed with ({@link RaftFailures#statusOf}). */
  static <Q, A> void answer(BiFunction<Q, Duration, CompletableFuture<A>> layer, Q request, Duration wait,
      StreamObserver<A> out) {
    layer.apply(request, wait).whenComplete((response, error) -> {
      if (error != null) {
        out.onError(RaftFailures.statusOf(error));
      } else {
        out.onNext(response);
        out.onCompleted();
      }
    });
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
