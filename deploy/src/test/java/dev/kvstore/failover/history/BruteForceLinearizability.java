package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides whether a tiny one-key history is linearizable by trying every subset of its UNKNOWN
 * writes and every order of the operations: exponential, but too simple to get wrong, which makes
 * it the reference the real checker is compared against.
 */
final class BruteForceLinearizability {

  private BruteForceLinearizability() {
  }

  static boolean isLinearizable(List<Operation> history, String initialValue) {
    List<Operation> certain = new ArrayList<>();
    List<Operation> uncertain = new ArrayList<>();
    for (Operation op : history) {
      if (op.outcome() == Outcome.OK) {
        certain.add(op);
      } else if (op.outcome() == Outcome.UNKNOWN && op.type().isWrite()) {
        uncertain.add(op);
      }
    }
    for (int subset = 0; subset < 1 << uncertain.size(); subset++) {
      List<Operation> tookEffect = new ArrayList<>(certain);
      for (int i = 0; i < uncertain.size(); i++) {
        if ((subset & 1 << i) != 0) {
          tookEffect.add(uncertain.get(i));
        }
      }
      if (someOrderWorks(tookEffect, new boolean[tookEffect.size()], 0, initialValue)) {
        return true;
      }
    }
    return false;
  }

  private static boolean someOrderWorks(List<Operation> ops, boolean[] placed, int placedCount, String register) {
    if (placedCount == ops.size()) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      if (placed[i] || mustWait(op, ops, placed)
          || op.type() == OpType.READ && !Objects.equals(op.value(), register)) {
        continue;
      }
      placed[i] = true;
      boolean works = someOrderWorks(ops, placed, placedCount + 1, op.type().isWrite() ? op.value() : register);
      placed[i] = false;
      if (works) {
        return true;
      }
    }
    return false;
  }

  /** Whether an unplaced OK operation returned before {@code op} was invoked. */
  private static boolean mustWait(Operation op, List<Operation> ops, boolean[] placed) {
    for (int j = 0; j < ops.size(); j++) {
      Operation other = ops.get(j);
      if (!placed[j] && other != op && other.outcome() == Outcome.OK && other.completeNanos() < op.invokeNanos()) {
        return true;
      }
    }
    return false;
  }
}
