package dev.kvstore.client;

import java.util.OptionalLong;

/**
 * A smoothed response time and its variation, as RFC 6298 estimates TCP's round-trip time
 * (alpha 1/8, beta 1/4), and the timeout it suggests: SRTT + max(G, 4 * RTTVAR). Only successful
 * attempts are samples: an attempt that timed out says nothing about how long an answer takes, and
 * counting its timeout would ratchet the estimate up (Karn's rule, in spirit). Thread-safe.
 */
final class ResponseTimeEstimate {

  /** The RFC's clock granularity G: the least margin above the smoothed time. */
  static final long GRANULARITY_NANOS = 1_000_000;

  private long smoothedNanos = -1;
  private long variationNanos;

  /** Adds the response time of one successful attempt, in nanoseconds. */
  synchronized void add(long nanos) {
    long sample = Math.max(0, nanos);
    if (smoothedNanos < 0) {
      smoothedNanos = sample;
      variationNanos = sample / 2;
      return;
    }
    variationNanos = (3 * variationNanos + Math.abs(smoothedNanos - sample)) / 4;
    smoothedNanos = (7 * smoothedNanos + sample) / 8;
  }

  /** SRTT + max(G, 4 * RTTVAR) in nanoseconds; empty before the first sample. */
  synchronized OptionalLong timeoutNanos() {
    if (smoothedNanos < 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(smoothedNanos + Math.max(GRANULARITY_NANOS, 4 * variationNanos));
  }
}
