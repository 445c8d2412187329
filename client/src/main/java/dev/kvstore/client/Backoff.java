package dev.kvstore.client;

import java.time.Duration;

/**
 * Pause between rounds of failed attempts: none while untried endpoints remain, then 50 ms after
 * each full round of failures, doubling up to 500 ms. Not thread-safe: one per call or stream.
 */
final class Backoff {

  static final Duration INITIAL = Duration.ofMillis(50);
  static final Duration MAX = Duration.ofMillis(500);

  private final int endpointCount;
  private int failuresInARow;
  private Duration nextPause = INITIAL;

  Backoff(int endpointCount) {
    this.endpointCount = endpointCount;
  }

  /** Counts a failed attempt and returns how long to wait before the next one. */
  Duration afterFailure() {
    failuresInARow++;
    if (failuresInARow % endpointCount != 0) {
      return Duration.ZERO;
    }
    Duration pause = nextPause;
    Duration doubled = nextPause.multipliedBy(2);
    nextPause = doubled.compareTo(MAX) > 0 ? MAX : doubled;
    return pause;
  }

  /** Starts over after a success. */
  void reset() {
    failuresInARow = 0;
    nextPause = INITIAL;
  }
}
