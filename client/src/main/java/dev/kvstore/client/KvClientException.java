package dev.kvstore.client;

import io.grpc.Status;
import java.util.Objects;

/** A kvstore call that failed: the gRPC status code, what happened where, and whether a write may have applied. */
public class KvClientException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final boolean outcomeUnknown;

  /**
   * @param code the gRPC status code of the failure
   * @param message what happened and on which endpoint(s)
   * @param outcomeUnknown true for a write that may or may not have been applied
   * @param cause the underlying exception, if any
   */
  public KvClientException(Status.Code code, String message, boolean outcomeUnknown, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.outcomeUnknown = outcomeUnknown;
  }

  /**
   * The gRPC status code: the server's for a rejected call; when retries ran out, the last one a
   * node answered, else the last attempt's (DEADLINE_EXCEEDED when no node answered in time).
   */
  public Status.Code code() {
    return code;
  }

  /**
   * True for a write whose fate is unknown: an attempt reached a server and then timed out or lost
   * its connection before an answer, so the write may or may not have been applied. Always false
   * for reads.
   */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
