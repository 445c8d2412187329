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

/**
 * Adds {@link MemberHints} (this node's id, the leader it knows, its term) to the trailers of every
 * call that ends with an error, so a client learns where the leader is from any node, even one that
 * could not serve it. Successful responses carry the same facts in their header; health checks,
 * whose responses have none, carry them in their trailers too, so a client can ask a node who it is
 * with the cheapest call there is ({@link MemberHints#HEALTH_CHECK}).
 */
public final class MemberHintTrailers implements ServerInterceptor {

  private final LocalMember member;

  /** Hints from {@code member}: its id, the leader it knows and its term. */
  public MemberHintTrailers(LocalMember member) {
    this.member = member;
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
