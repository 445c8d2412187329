package dev.kvstore.node.api;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseLimits;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.request.LeaseRequests;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.RequestContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The gRPC adapter of the Lease service (etcd's {@code Lease}): each unary RPC checks its request
 * against {@link LeaseLimits} (INVALID_ARGUMENT), hands it to the {@link LeaseRequests} layer with
 * the time the caller allows, and sends back what the layer answers; keep-alive streams are
 * {@link LeaseKeepAliveStream}s.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {

  private final LeaseRequests requests;
  private final RequestBudget budget;
  private final Duration keepAliveWait;

  /** @param keepAliveWait how long one keep-alive on a stream may take (the node's request timeout) */
  public LeaseService(LeaseRequests requests, RequestBudget budget, Duration keepAliveWait) {
    this.requests = requests;
    this.budget = budget;
    this.keepAliveWait = keepAliveWait;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    if (accepted(() -> LeaseLimits.check(request), out)) {
      answer(requests::grant, request, out);
    }
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    if (accepted(() -> LeaseLimits.check(request), out)) {
      answer(requests::revoke, request, out);
    }
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    if (accepted(() -> LeaseLimits.check(request), out)) {
      answer(requests::timeToLive, request, out);
    }
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
    if (accepted(() -> LeaseLimits.check(request), out)) {
      answer(requests::leases, request, out);
    }
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    return new LeaseKeepAliveStream((ServerCallStreamObserver<LeaseKeepAliveResponse>) out, requests,
        new RequestContext(CallerIdentity.current(), keepAliveWait)).start();
  }

  /** Must run on the thread that received the call: the caller's identity and deadline are read from its context. */
  private <Q, A> void answer(BiFunction<Q, RequestContext, CompletableFuture<A>> layer, Q request,
      StreamObserver<A> out) {
    UnaryAnswers.answer(layer, request, budget, out);
  }

  private static boolean accepted(Runnable check, StreamObserver<?> out) {
    return UnaryAnswers.accepted(check, out);
  }
}
