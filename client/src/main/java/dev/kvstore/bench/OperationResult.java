package dev.kvstore.bench;

import java.util.Map;

/**
 * What one operation of a run achieved during the measurement (warm-up excluded).
 *
 * @param name the operation, e.g. {@code put}
 * @param succeeded requests answered successfully
 * @param failures failed requests by reason: the gRPC status code (e.g. {@code UNAVAILABLE}),
 *     {@code NO_ANSWER} for requests still unanswered when the run gave up waiting, or the
 *     exception's class for anything else
 * @param opsPerSecond successful requests per second of the measurement
 * @param latency of the successful requests
 */
public record OperationResult(
    String name, long succeeded, Map<String, Long> failures, double opsPerSecond, Latency latency) {

  public OperationResult {
    failures = Map.copyOf(failures);
  }

  /** All failed requests. */
  public long failed() {
    return failures.values().stream().mapToLong(Long::longValue).sum();
  }
}
