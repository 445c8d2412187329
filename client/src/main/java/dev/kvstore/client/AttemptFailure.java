package dev.kvstore.client;

import io.grpc.Status;

/**
 * How one attempt on one endpoint failed, and whether it may still have taken effect there.
 *
 * @param endpoint where the attempt went
 * @param status the status the attempt ended with
 * @param mayHaveApplied true when the request reached the server and no final answer came back, or
 *     the answer was the server's own timeout or carried the {@code WriteOutcome} trailer, so a
 *     write may or may not have been applied
 */
record AttemptFailure(Endpoint endpoint, Status status, boolean mayHaveApplied) {

  /** Long enough for a server's whole refusal (a permission, a sign-in), short enough for one line per endpoint. */
  private static final int MAX_DETAIL_CHARS = 300;

  static AttemptFailure of(Endpoint endpoint, Status status, DeliveryTracer tracer) {
    boolean reached = tracer.requestWritten();
    boolean mayHaveApplied = reached
        && (!tracer.serverAnswered()
            || status.getCode() == Status.Code.DEADLINE_EXCEEDED
            || tracer.serverSaidOutcomeUnknown());
    return new AttemptFailure(endpoint, status, mayHaveApplied);
  }

  /** For example {@code 127.0.0.1:50051 UNAVAILABLE (connection refused)}. */
  String describe() {
    String detail = detail(status);
    return endpoint + " " + status.getCode() + (detail.isEmpty() ? "" : " (" + detail + ")");
  }

  private static String detail(Status status) {
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof java.net.ConnectException) {
      // Netty's message repeats the address that the endpoint already names.
      return "connection refused";
    }
    if (root instanceof java.net.UnknownHostException) {
      return "unknown host";
    }
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (root != null && root.getMessage() != null && !description.contains(root.getMessage())) {
      description = description.isEmpty() ? root.getMessage() : description + ": " + root.getMessage();
    }
    description = description.replaceAll("\\s+", " ").trim();
    return description.length() <= MAX_DETAIL_CHARS
        ? description
        : description.substring(0, MAX_DETAIL_CHARS - 3) + "...";
  }
}
