package dev.kvstore.node.api;

import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLimits;
import dev.kvstore.node.request.LeaseRequests;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.node.request.RequestContext;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * One keep-alive stream (etcd's {@code LeaseKeepAlive}): each request renews one lease and gets one
 * response with the TTL it has again (0 when it does not exist). Requests are taken one at a time
 * through gRPC's flow control, the next only once the previous one was answered, so a client that
 * floods the stream makes it wait instead of filling this node's memory, and responses come in
 * request order.
 *
 * <p>A keep-alive that cannot be answered (no leader, the leader unreachable) ends the stream
 * with its UNAVAILABLE status, as etcd does: the client opens another, on this node or another
 * one. A bad id ends it with INVALID_ARGUMENT.
 */
final class LeaseKeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {

  private final ServerCallStreamObserver<LeaseKeepAliveResponse> call;
  private final LeaseRequests requests;
  /** Who the stream acts for (established when it opened) and how long each keep-alive may take. */
  private final RequestContext ctx;
  // Guarded by this: the stream ended (from either side); the client half-closed; a keep-alive is
  // being answered.
  private boolean ended;
  private boolean halfClosed;
  private boolean inFlight;

  LeaseKeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> call, LeaseRequests requests,
      RequestContext ctx) {
    this.call = call;
    this.requests = requests;
    this.ctx = ctx;
  }

  /** Must be called before the service method returns (it turns off automatic inbound flow control). */
  LeaseKeepAliveStream start() {
    call.disableAutoRequest();
    call.setOnCancelHandler(() -> {
      synchronized (this) {
        ended = true;
      }
    });
    call.request(1);
    return this;
  }

  @Override
  public void onNext(LeaseKeepAliveRequest request) {
    try {
      LeaseLimits.check(request);
    } catch (StatusRuntimeException e) {
      end(e);
      return;
    }
    synchronized (this) {
      inFlight = true;
    }
    requests.keepAlive(request, ctx).whenComplete((response, error) -> {
      if (error != null) {
        end(RaftFailures.statusOf(error));
        return;
      }
      synchronized (this) {
        inFlight = false;
        if (ended) {
          return;
        }
        call.onNext(response);
        if (halfClosed) {
          ended = true;
          call.onCompleted();
          return;
        }
      }
      call.request(1);
    });
  }

  @Override
  public synchronized void onError(Throwable t) {
    ended = true;
  }

  /** The client sent its last request: the stream ends once that one is answered. */
  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (!ended && !inFlight) {
      ended = true;
      call.onCompleted();
    }
  }

  private synchronized void end(StatusRuntimeException status) {
    if (!ended) {
      ended = true;
      call.onError(status);
    }
  }
}
