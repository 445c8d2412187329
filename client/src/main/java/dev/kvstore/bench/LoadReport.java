package dev.kvstore.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one run: per operation, and in total.
 *
 * @param measured how long the measurement lasted: from the end of the warm-up to the last answer
 *     of a measured request (or to when the run gave up waiting)
 * @param operations one result per operation of the mix, in the mix's order
 * @param warmupRequests requests answered during the warm-up (not measured)
 * @param latency of every successful measured request, whatever its operation
 */
public record LoadReport(Duration measured, List<OperationResult> operations, long warmupRequests, Latency latency) {

  public LoadReport {
    operations = List.copyOf(operations);
  }

  /** Successful measured requests. */
  public long succeeded() {
    return operations.stream().mapToLong(OperationResult::succeeded).sum();
  }

  /** Failed measured requests. */
  public long failed() {
    return operations.stream().mapToLong(OperationResult::failed).sum();
  }

  /** Successful requests per second of the measurement, all operations together. */
  public double opsPerSecond() {
    return operations.stream().mapToDouble(OperationResult::opsPerSecond).sum();
  }

  /** Failed requests by reason, all operations together, in reason order. */
  public Map<String, Long> failures() {
    Map<String, Long> all = new TreeMap<>();
    operations.forEach(result -> result.failures().forEach((reason, n) -> all.merge(reason, n, Long::sum)));
    return all;
  }

  /** The result of the operation named {@code name}. */
  public OperationResult operation(String name) {
    return operations.stream()
        .filter(result -> result.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no operation " + name + " in this report"));
  }
}
