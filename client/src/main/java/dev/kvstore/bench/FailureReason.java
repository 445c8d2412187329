package dev.kvstore.bench;

import dev.kvstore.client.KvClientException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** How a failed request is counted in a report: by the gRPC status code it failed with. */
public final class FailureReason {

  /** A request still unanswered when the run stopped waiting for it. */
  public static final String NO_ANSWER = "NO_ANSWER";
  /** A request whose future timed out on the client ({@code orTimeout}) without a status. */
  public static final String CLIENT_TIMEOUT = "CLIENT_TIMEOUT";

  private FailureReason() {}

  /**
   * The status code of {@code failure}: a {@link KvClientException}'s code, else the code of the
   * first gRPC status exception among its causes; {@link #CLIENT_TIMEOUT} for a
   * {@link TimeoutException}; else the exception's simple class name. Wrappers
   * ({@link CompletionException}, {@link ExecutionException}) are looked through.
   */
  public static String of(Throwable failure) {
    Throwable cause = unwrapped(failure);
    if (cause instanceof KvClientException kv) {
      return kv.code().name();
    }
    if (cause instanceof TimeoutException) {
      return CLIENT_TIMEOUT;
    }
    Status status = Status.fromThrowable(cause);
    if (status.getCode() != Status.Code.UNKNOWN || status.getCause() != cause) {
      return status.getCode().name();
    }
    return cause.getClass().getSimpleName();
  }

  /**
   * A classifier that asks {@code specific} first (for a client library's own exception types) and
   * falls back to {@link #of} when it returns null.
   */
  public static Function<Throwable, String> preferring(Function<Throwable, String> specific) {
    return failure -> {
      String reason = specific.apply(unwrapped(failure));
      return reason != null ? reason : of(failure);
    };
  }

  private static Throwable unwrapped(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
