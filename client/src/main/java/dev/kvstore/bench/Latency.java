package dev.kvstore.bench;

import org.HdrHistogram.Histogram;

/**
 * Latency percentiles of the successful requests of one operation, in microseconds: from just
 * before the request was sent until its answer reached the load loop (client work included).
 * All zero when no request succeeded.
 */
public record Latency(long p50, long p90, long p99, long p999, long max, double mean) {

  /** The percentiles of {@code histogram}, whose values are microseconds. */
  static Latency of(Histogram histogram) {
    if (histogram.getTotalCount() == 0) {
      return new Latency(0, 0, 0, 0, 0, 0);
    }
    return new Latency(
        histogram.getValueAtPercentile(50),
        histogram.getValueAtPercentile(90),
        histogram.getValueAtPercentile(99),
        histogram.getValueAtPercentile(99.9),
        histogram.getMaxValue(),
        histogram.getMean());
  }

  /** {@code micros} in milliseconds, for reports. */
  public static double millis(long micros) {
    return micros / 1000.0;
  }
}
