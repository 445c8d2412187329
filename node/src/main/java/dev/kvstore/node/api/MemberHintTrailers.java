package dev.kvstore.node.api;

import dev.kvstore.api.MemberHints;
import dev.kvstore.node.raft.LocalMember;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Adds {@link MemberHints} (this node's id, the leader it knows, its term) to the trailers of every
 * call that ends with an error, so a client learns where the leader is from any node, even one that
 * could not serve it. Successful responses carry the same facts in their header; health checks,
 * whose responses have none, carry them in their trailers too, so a client can ask a node who it is
 * with the cheapest call there is ({@link MemberHints#HEALTH_CHECK}). Health checks also carry the
 * store revision this node has applied ({@link MemberHints#REVISION}), from which a client that
 * balances reads tells whether the member lags behind the others.
 */
public final class MemberHintTrailers implements ServerInterceptor {

  private final LocalMember member;
  private final LongSupplier appliedRevision;

  /**
   * Hints from {@code member}: its id, the leader it knows and its term; and, on health checks,
   * {@code appliedRevision}, the store revision it has applied.
   */
  public MemberHintTrailers(LocalMember member, LongSupplier appliedRevision) {
    this.member = member;
    this.appliedRevision = appliedRevision;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    boolean healthCheck = call.getMethodDescriptor().getFullMethodName()
        .equals(MemberHints.HEALTH_CHECK.getFullMethodName());
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (!status.isOk() || healthCheck) {
          addHints(trailers);
        }
        if (healthCheck) {
          trailers.put(MemberHints.REVISION, Long.toString(appliedRevision.getAsLong()));
        }
        super.close(status, trailers);
      }
    }, headers);
  }

  private void addHints(Metadata trailers) {
    Optional<String> leader = Optional.empty();
    long term = 0;
    try {
      if (member.isRunning()) {
        leader = member.leaderId();
        term = member.term();
      }
    } catch (RuntimeException stopping) {
      // The Raft server is going away: name only this node.
    }
    MemberHints.addTo(trailers, member.id(), leader, term);
  }
}
