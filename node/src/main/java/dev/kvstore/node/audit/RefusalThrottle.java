package dev.kvstore.node.audit;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * At most one audit line per caller per interval for rate-limit refusals: a client that floods a
 * node gets thousands of refusals a second, and a line for each would push useful lines out of the
 * rotated files. The line that is written says how many were left out since the last one.
 */
final class RefusalThrottle {

  /** Callers remembered at most; beyond, the memory starts over (a few extra lines, never fewer). */
  private static final int MAX_CALLERS = 10_000;

  private final LongSupplier nanoTime;
  private final long intervalNanos;
  // Guarded by this: per caller, when its last line was written and how many were left out since.
  private final Map<String, long[]> callers = new HashMap<>();

  /** @param intervalNanos the least time between two lines of one caller (ns) */
  RefusalThrottle(LongSupplier nanoTime, long intervalNanos) {
    this.nanoTime = nanoTime;
    this.intervalNanos = intervalNanos;
  }

  /**
   * Whether a line is written for this refusal of {@code caller}: -1 when not (it is counted), else
   * how many of the caller's refusals were left out since its last line.
   */
  synchronized long admit(String caller) {
    long now = nanoTime.getAsLong();
    long[] state = callers.get(caller);
    if (state == null) {
      if (callers.size() >= MAX_CALLERS) {
        callers.clear();
      }
      callers.put(caller, new long[] {now, 0});
      return 0;
    }
    if (now - state[0] < intervalNanos) {
      state[1]++;
      return -1;
    }
    long skipped = state[1];
    state[0] = now;
    state[1] = 0;
    return skipped;
  }
}
