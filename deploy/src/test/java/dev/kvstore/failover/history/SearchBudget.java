package dev.kvstore.failover.history;

import java.time.Duration;
import java.util.Objects;

/**
 * How much work a linearizability check may do before answering INCONCLUSIVE.
 *
 * @param maxStatesPerKey search states explored for one key; bounds memory too, since every state
 *                        is remembered until the key is done (a few hundred bytes each)
 * @param maxTime         wall time for a whole check, all keys together
 */
public record SearchBudget(long maxStatesPerKey, Duration maxTime) {

  /** Enough for histories of tens of thousands of operations, small enough for a CI heap. */
  public static final SearchBudget DEFAULT = new SearchBudget(1_000_000, Duration.ofSeconds(60));

  public SearchBudget {
    Objects.requireNonNull(maxTime, "maxTime");
    if (maxStatesPerKey < 0 || maxTime.isNegative()) {
      throw new IllegalArgumentException("a budget cannot be negative: " + maxStatesPerKey + ", " + maxTime);
    }
  }
}
