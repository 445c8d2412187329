package dev.kvstore.failover.history;

import java.util.Objects;

/**
 * The verdict of a linearizability check, with what a CI log needs to debug it.
 *
 * @param verdict     whether the history is linearizable, or the search budget ran out first
 * @param key         the offending key for NOT_LINEARIZABLE and INCONCLUSIVE; null otherwise
 * @param explanation a summary, or for NOT_LINEARIZABLE where the search got stuck
 */
public record CheckResult(Verdict verdict, String key, String explanation) {

  /** The three possible answers of a bounded search. */
  public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search budget ran out before a linearization or a proof of its absence was found. */
    INCONCLUSIVE
  }

  public CheckResult {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(explanation, "explanation");
  }

  public boolean isLinearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  @Override
  public String toString() {
    return verdict + (key == null ? "" : " (key '" + key + "')") + ": " + explanation;
  }
}
