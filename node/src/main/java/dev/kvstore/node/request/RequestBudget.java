package dev.kvstore.node.request;

import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** How long the current request may wait: the node's request timeout, or less if the caller's deadline is sooner. */
public final class RequestBudget {

  /** Answer a little before the caller gives up, so it gets our reason instead of DEADLINE_EXCEEDED. */
  private static final long MARGIN_MS = 100;

  private final Duration requestTimeout;

  /** A budget of at most {@code requestTimeout} per request. */
  public RequestBudget(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  /** Must be called on the thread that received the call, where its gRPC context is current. */
  public Duration forCurrentCall() {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return requestTimeout;
    }
    long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS) - MARGIN_MS;
    return Duration.ofMillis(Math.max(1, Math.min(requestTimeout.toMillis(), remaining)));
  }
}
