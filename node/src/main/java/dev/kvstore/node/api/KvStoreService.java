package dev.kvstore.node.api;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.request.KvRequests;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.RequestContext;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.WatchHub;
import dev.kvstore.statemachine.auth.Access;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * The gRPC adapter of the data API: each unary RPC checks its request against
 * {@link RequestLimits} (INVALID_ARGUMENT naming the limit), hands it to the {@link KvRequests}
 * layer with the time the caller allows, and sends back what the layer answers. Watches stream
 * from the watch hub.
 */
public final class KvStoreService extends KvStoreGrpc.KvStoreImplBase {

  private final KvRequests requests;
  private final RequestBudget budget;
  private final WatchHub hub;
  private final ResponseHeaders headers;
  private final Executor watchExecutor;
  /** Watches never reach the request layer: their read access is checked here. */
  private final Permissions permissions;

  /** Serves the {@code KvStore} RPCs through {@code requests}; watches started here send on {@code watchExecutor}. */
  public KvStoreService(KvRequests requests, RequestBudget budget, WatchHub hub, ResponseHeaders headers,
      Executor watchExecutor, Permissions permissions) {
    this.requests = requests;
    this.permissions = permissions;
    this.budget = budget;
    this.hub = hub;
    this.headers = headers;
    this.watchExecutor = watchExecutor;
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::put, request, out);
    }
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::delete, request, out);
    }
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::get, request, out);
    }
  }

  @Override
  public void getAll(GetAllRequest request, StreamObserver<GetAllResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::getAll, request, out);
    }
  }

  @Override
  public void compact(CompactRequest request, StreamObserver<CompactResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::compact, request, out);
    }
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      Optional<StatusRuntimeException> denied = permissions.denied(CallerIdentity.current(), Access.READ,
          request.getPrefix() ? KeyRange.prefix(request.getKey()) : KeyRange.key(request.getKey()));
      if (denied.isPresent()) {
        out.onError(denied.get());
        return;
      }
      new WatchStream((ServerCallStreamObserver<WatchResponse>) out, request, hub, headers, watchExecutor).start();
    }
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::deleteRange, request, out);
    }
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::txn, request, out);
    }
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    if (accepted(() -> RequestLimits.check(request), out)) {
      answer(requests::range, request, out);
    }
  }

  /** Must run on the thread that received the call: the caller's identity and deadline are read from its context. */
  private <Q, A> void answer(BiFunction<Q, RequestContext, CompletableFuture<A>> layer, Q request,
      StreamObserver<A> out) {
    UnaryAnswers.answer(layer, request, budget, out);
  }

  /** Runs a request check; a rejected request gets its INVALID_ARGUMENT status and no further work. */
  private static boolean accepted(Runnable check, StreamObserver<?> out) {
    return UnaryAnswers.accepted(check, out);
  }
}
