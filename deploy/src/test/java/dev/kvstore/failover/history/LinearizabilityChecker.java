package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks that a history of reads, writes and deletes is linearizable, each key being a register
 * that starts absent (or at a given initial value).
 *
 * <p>Keys are checked one at a time: a history of registers is linearizable iff the sub-history
 * of every key is, and small searches are exponentially cheaper than one big one. FAIL operations
 * never took effect and UNKNOWN reads returned nothing, so both are ignored; an UNKNOWN write or
 * delete may take effect at any time after its invocation, or never.
 */
public final class LinearizabilityChecker {

  private final SearchBudget budget;

  /** A checker with {@link SearchBudget#DEFAULT}. */
  public LinearizabilityChecker() {
    this(SearchBudget.DEFAULT);
  }

  public LinearizabilityChecker(SearchBudget budget) {
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  /** Checks a history whose keys all start absent. */
  public CheckResult check(History history) {
    return check(history, Map.of());
  }

  /**
   * Checks a history; stops at the first key that is not linearizable.
   *
   * @param initialValues the value of each key before the history; keys not in it start absent
   */
  public CheckResult check(History history, Map<String, String> initialValues) {
    long deadline = System.nanoTime() + budget.maxTime().toNanos();
    long origin = history.originNanos();
    long states = 0;
    List<CheckResult> inconclusive = new ArrayList<>();
    Map<String, List<Operation>> byKey = history.byKey();
    for (Map.Entry<String, List<Operation>> entry : byKey.entrySet()) {
      String key = entry.getKey();
      KeyHistory keyHistory = KeyHistory.prepare(key, entry.getValue(), initialValues.get(key));
      SearchOutcome outcome = new RegisterSearch(keyHistory).run(budget.maxStatesPerKey(), deadline);
      states += outcome.statesExplored();
      switch (outcome.verdict()) {
        case NOT_LINEARIZABLE -> {
          return notLinearizable(keyHistory, outcome, origin);
        }
        case INCONCLUSIVE -> inconclusive.add(inconclusive(keyHistory, outcome));
        case LINEARIZABLE -> { }
      }
    }
    if (!inconclusive.isEmpty()) {
      StringBuilder text = new StringBuilder()
          .append(inconclusive.size()).append(" of ").append(byKey.size())
          .append(" keys could not be decided within ").append(budget).append("; no key is known to be wrong.");
      for (CheckResult result : inconclusive) {
        text.append("\n[").append(result.key()).append("] ").append(result.explanation());
      }
      return new CheckResult(CheckResult.Verdict.INCONCLUSIVE, inconclusive.get(0).key(), text.toString());
    }
    return new CheckResult(CheckResult.Verdict.LINEARIZABLE, null,
        history.size() + " operations on " + byKey.size() + " keys are linearizable (" + states + " search states)");
  }

  /**
   * Checks the operations of one key.
   *
   * @param initialValue the value of the key before the history; null for absent
   */
  public CheckResult checkKey(String key, List<Operation> operations, String initialValue) {
    return check(History.of(checkedKey(key, operations)), initialValue == null ? Map.of() : Map.of(key, initialValue));
  }

  private static List<Operation> checkedKey(String key, List<Operation> operations) {
    for (Operation op : operations) {
      if (!op.key().equals(key)) {
        throw new IllegalArgumentException("operation " + op.id() + " is of key '" + op.key() + "', not '" + key + "'");
      }
    }
    return operations;
  }

  private static CheckResult notLinearizable(KeyHistory history, SearchOutcome outcome, long origin) {
    String text = "no order of its " + history.size() + " operations is consistent with a register and with real time "
        + "(initial value " + Operation.quote(history.initialValue) + "; " + outcome.statesExplored()
        + " search states; " + history.droppedSummary() + ").\n" + outcome.deepest().describe(origin);
    return new CheckResult(CheckResult.Verdict.NOT_LINEARIZABLE, history.key, text);
  }

  private static CheckResult inconclusive(KeyHistory history, SearchOutcome outcome) {
    return new CheckResult(CheckResult.Verdict.INCONCLUSIVE, history.key,
        "budget ran out after " + outcome.statesExplored() + " search states over " + history.size()
            + " operations; the longest prefix linearized by then had " + outcome.maxDepth() + " operations");
  }
}
