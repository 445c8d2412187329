package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Checks that no acknowledged write was lost: once faults have healed, each key must hold the
 * value of a write that could have been the last one to take effect.
 *
 * <p>A write (OK or UNKNOWN, or a delete) could be last unless an OK write of the same key was
 * invoked after it completed; an UNKNOWN write never counts as completed, since it may take effect
 * at any time. The initial "absent" could be last only if no write of the key was acknowledged.
 */
public final class AcknowledgedWritesCheck {

  private AcknowledgedWritesCheck() {
  }

  /**
   * Returns every violation, one line each; empty means none.
   *
   * @param history     the client operations of the run
   * @param finalValues a read of every key after the faults healed: the value, or null when absent
   *                    (a key of the history that is missing from the map is itself reported)
   */
  public static List<String> check(History history, Map<String, String> finalValues) {
    long origin = history.originNanos();
    Map<String, List<Operation>> byKey = history.byKey();
    TreeSet<String> keys = new TreeSet<>(byKey.keySet());
    keys.addAll(finalValues.keySet());
    List<String> violations = new ArrayList<>();
    for (String key : keys) {
      if (!finalValues.containsKey(key)) {
        violations.add("key " + key + ": no final read was recorded");
        continue;
      }
      String finalValue = finalValues.get(key);
      List<Operation> ops = byKey.getOrDefault(key, List.of());
      if (!couldBeLast(finalValue, ops)) {
        violations.add("key " + key + ": final value " + Operation.quote(finalValue)
            + " is not the value of any write that could have been the last; " + explain(finalValue, ops, origin));
      }
    }
    return List.copyOf(violations);
  }

  private static boolean couldBeLast(String finalValue, List<Operation> ops) {
    boolean anyAcknowledged = false;
    for (Operation write : ops) {
      if (!write.type().isWrite() || write.outcome() == Outcome.FAIL) {
        continue;
      }
      anyAcknowledged |= write.outcome() == Outcome.OK;
      if (Objects.equals(write.value(), finalValue) && overwrittenBy(write, ops) == null) {
        return true;
      }
    }
    return finalValue == null && !anyAcknowledged;
  }

  /** An OK write of the same key invoked after {@code write} completed, or null. */
  private static Operation overwrittenBy(Operation write, List<Operation> ops) {
    if (write.outcome() != Outcome.OK) {
      return null;
    }
    for (Operation later : ops) {
      if (later.type().isWrite() && later.outcome() == Outcome.OK && later.invokeNanos() > write.completeNanos()) {
        return later;
      }
    }
    return null;
  }

  private static String explain(String finalValue, List<Operation> ops, long origin) {
    List<String> reasons = new ArrayList<>();
    List<String> lastAcknowledged = new ArrayList<>();
    for (Operation write : ops) {
      if (!write.type().isWrite()) {
        continue;
      }
      Operation overwriter = overwrittenBy(write, ops);
      if (Objects.equals(write.value(), finalValue)) {
        reasons.add(write.outcome() == Outcome.FAIL
            ? write.describe(origin) + " wrote it but failed"
            : write.describe(origin) + " wrote it but was overwritten by " + overwriter.describe(origin));
      }
      if (write.outcome() == Outcome.OK && overwriter == null) {
        lastAcknowledged.add(write.describe(origin));
      }
    }
    if (reasons.isEmpty()) {
      reasons.add(finalValue == null ? "no delete of it could have been the last" : "no client wrote it");
    }
    return String.join("; ", reasons) + ". Acknowledged writes not overwritten by a later acknowledged write: "
        + (lastAcknowledged.isEmpty() ? "none" : String.join(", ", lastAcknowledged));
  }
}
