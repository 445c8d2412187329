package dev.kvstore.failover.history;

import java.util.List;

/**
 * Where the linearization search of a key got stuck with the most operations placed: the tail of
 * that prefix, the register value after it, and the operations that could not be placed next.
 *
 * @param linearizedCount how many operations the prefix has
 * @param lastLinearized  the last operations of the prefix, in linearization order
 * @param register        the register value after the prefix
 * @param pending         the operations that were candidates to come next, none of which led on
 * @param earliestReturn  the pending operation that returned first, so nothing invoked after its
 *                        return could be placed before it
 */
record DeadEnd(int linearizedCount, List<Operation> lastLinearized, String register,
    List<Pending> pending, Operation earliestReturn) {

  /** A candidate that did not lead to a linearization, and why. */
  record Pending(Operation op, String reason) {
  }

  /** How many operations of the prefix a report shows; the ones just before the trouble matter. */
  static final int SHOWN_PREFIX = 10;
  private static final int SHOWN_PENDING = 20;

  /** A multi-line report with times relative to {@code originNanos}. */
  String describe(long originNanos) {
    StringBuilder text = new StringBuilder()
        .append("Longest linearizable prefix found: ").append(linearizedCount)
        .append(" operations, after which the register holds ").append(Operation.quote(register))
        .append(".\n");
    if (!lastLinearized.isEmpty()) {
      text.append("Its last ").append(lastLinearized.size()).append(", in linearization order:\n");
      for (Operation op : lastLinearized) {
        text.append("    ").append(op.describe(originNanos)).append('\n');
      }
    }
    text.append("None of these could be placed next:\n");
    for (Pending candidate : pending.subList(0, Math.min(pending.size(), SHOWN_PENDING))) {
      text.append("    ").append(candidate.op().describe(originNanos)).append("  <- ")
          .append(candidate.reason()).append('\n');
    }
    if (pending.size() > SHOWN_PENDING) {
      text.append("    ... and ").append(pending.size() - SHOWN_PENDING).append(" more\n");
    }
    text.append("Nothing invoked after #").append(earliestReturn.id())
        .append(" returned can be placed before it.");
    return text.toString();
  }
}
