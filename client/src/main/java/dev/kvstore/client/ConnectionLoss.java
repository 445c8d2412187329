package dev.kvstore.client;

import io.grpc.Status;
import java.nio.channels.ClosedChannelException;

/** Recognises a call that failed because its connection to the node broke, whatever code gRPC gave it. */
final class ConnectionLoss {

  private ConnectionLoss() {}

  /**
   * The status, with a lost connection reported as UNAVAILABLE. grpc-java's Netty transport reports
   * a connection that closed under a call (the node's process killed, for one) as UNKNOWN "channel
   * closed" with a {@link ClosedChannelException} cause (grpc/grpc-java#10120). The cause is local:
   * a status a server sends never carries one, so a server's own UNKNOWN stays UNKNOWN.
   */
  static Status asUnavailable(Status status) {
    if (status.getCode() != Status.Code.UNKNOWN || !causedByClosedChannel(status.getCause())) {
      return status;
    }
    return Status.UNAVAILABLE
        .withDescription("connection lost: " + status.getDescription())
        .withCause(status.getCause());
  }

  private static boolean causedByClosedChannel(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClosedChannelException) {
        return true;
      }
    }
    return false;
  }
}
