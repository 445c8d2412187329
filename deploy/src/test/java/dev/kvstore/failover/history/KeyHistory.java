package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * One key's operations reduced to those that constrain a register, each with the latest time it
 * can take effect and the writes that must take effect before it. Operations that must be
 * linearized come first, then the optional ones.
 */
final class KeyHistory {

  /**
   * An operation as the search sees it.
   *
   * @param returnNanos the latest time it can take effect; {@link Operation#NOT_COMPLETED} if none
   * @param optional    true when it may also never take effect (an UNKNOWN write or delete)
   */
  record Step(Operation op, long returnNanos, boolean optional) {
  }

  private static final Comparator<Operation> BY_INVOCATION =
      Comparator.comparingLong(Operation::invokeNanos).thenComparingLong(Operation::id);
  private static final int[] NONE = new int[0];

  final String key;
  final String initialValue;
  final List<Step> steps;
  final int mandatoryCount;
  /** Per step, the indices of mandatory writes that every linearization places before it. */
  final int[][] writesBefore;
  /** Per step with {@link #writesBefore}, the read of its value that implies them. */
  final Operation[] impliedBy;
  final int droppedFailed;
  final int droppedUnknownReads;
  final int droppedUnobservedWrites;

  private KeyHistory(String key, String initialValue, List<Step> steps, int mandatoryCount,
      int droppedFailed, int droppedUnknownReads, int droppedUnobservedWrites, Reads reads) {
    this.key = key;
    this.initialValue = initialValue;
    this.steps = steps;
    this.mandatoryCount = mandatoryCount;
    this.droppedFailed = droppedFailed;
    this.droppedUnknownReads = droppedUnknownReads;
    this.droppedUnobservedWrites = droppedUnobservedWrites;
    this.writesBefore = writesBefore(reads);
    this.impliedBy = new Operation[steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      if (writesBefore[i].length > 0) {
        impliedBy[i] = reads.lastInvoked.get(op(i).value());
      }
    }
  }

  /** What the OK reads and the possible writes of a key tell about each value. */
  private static final class Reads {
    final Map<String, Long> firstReturn = new HashMap<>();
    final Map<String, Operation> lastInvoked = new HashMap<>();
    final Map<String, Integer> possibleWriters = new HashMap<>();
    final String initialValue;

    Reads(List<Operation> operations, String initialValue) {
      this.initialValue = initialValue;
      for (Operation op : operations) {
        if (op.type() == OpType.READ && op.outcome() == Outcome.OK) {
          firstReturn.merge(op.value(), op.completeNanos(), Math::min);
          lastInvoked.merge(op.value(), op, (a, b) -> a.invokeNanos() >= b.invokeNanos() ? a : b);
        } else if (op.type() == OpType.WRITE && op.outcome() != Outcome.FAIL) {
          possibleWriters.merge(op.value(), 1, Integer::sum);
        }
      }
    }

    boolean wasRead(String value) {
      return firstReturn.containsKey(value);
    }

    /** True when a read of the value can only have seen the given write of it. */
    boolean onlyWrittenBy(Operation write) {
      return write.type() == OpType.WRITE && possibleWriters.getOrDefault(write.value(), 0) == 1
          && !Objects.equals(write.value(), initialValue);
    }
  }

  static KeyHistory prepare(String key, List<Operation> operations, String initialValue) {
    Reads reads = new Reads(operations, initialValue);
    List<Step> mandatorySteps = new ArrayList<>();
    List<Step> optionalSteps = new ArrayList<>();
    int failed = 0;
    int unknownReads = 0;
    int unobservedWrites = 0;
    List<Operation> sorted = new ArrayList<>(operations);
    sorted.sort(BY_INVOCATION);
    for (Operation op : sorted) {
      if (op.outcome() == Outcome.FAIL) {
        failed++;
      } else if (op.outcome() == Outcome.OK) {
        mandatorySteps.add(new Step(op, op.completeNanos(), false));
      } else if (op.type() == OpType.READ) {
        // Its result is unknown, so it constrains nothing.
        unknownReads++;
      } else if (!reads.wasRead(op.value())) {
        // Nobody read its value, so no read can sit between it and the next write in any
        // linearization: removing it leaves a linearization, so "it never happened" loses nothing.
        unobservedWrites++;
      } else if (reads.onlyWrittenBy(op)) {
        // Every read of its value must come after it, so it has to take effect before the first
        // such read returns. The deadline keeps it out of the optional set, which the search
        // would otherwise consider at every point of the rest of the history.
        long latest = Math.max(op.invokeNanos(), reads.firstReturn.get(op.value()));
        mandatorySteps.add(new Step(op, latest, false));
      } else {
        optionalSteps.add(new Step(op, Operation.NOT_COMPLETED, true));
      }
    }
    List<Step> steps = new ArrayList<>(mandatorySteps);
    steps.addAll(optionalSteps);
    return new KeyHistory(key, initialValue, List.copyOf(steps), mandatorySteps.size(),
        failed, unknownReads, unobservedWrites, reads);
  }

  /**
   * For each write X whose value only X wrote: the mandatory writes that must come before X.
   *
   * <p>No write can come between X and a read of its value, so every write that completed before
   * some read of X's value was invoked precedes X as well. Real time alone would let the search
   * place X anywhere in its interval, which for a write that timed out and was applied after a
   * partition healed spans much of the history. Only the last of those writes are kept: the
   * search never places a mandatory write before one that completed before it was invoked.
   */
  private int[][] writesBefore(Reads reads) {
    int[][] before = new int[steps.size()][];
    Arrays.fill(before, NONE);
    Integer[] writes = IntStream.range(0, mandatoryCount)
        .filter(i -> steps.get(i).op().type().isWrite()).boxed().toArray(Integer[]::new);
    Arrays.sort(writes, Comparator.comparingLong(i -> steps.get(i).returnNanos()));
    // The two latest invocations among the first k writes by return: X itself may be one of them.
    int[] latestInvoker = new int[writes.length + 1];
    int[] secondLatestInvoker = new int[writes.length + 1];
    latestInvoker[0] = -1;
    secondLatestInvoker[0] = -1;
    for (int k = 0; k < writes.length; k++) {
      int write = writes[k];
      int latest = latestInvoker[k];
      int second = secondLatestInvoker[k];
      if (latest < 0 || invoke(write) > invoke(latest)) {
        second = latest;
        latest = write;
      } else if (second < 0 || invoke(write) > invoke(second)) {
        second = write;
      }
      latestInvoker[k + 1] = latest;
      secondLatestInvoker[k + 1] = second;
    }

    for (int x = 0; x < mandatoryCount; x++) {
      Operation op = steps.get(x).op();
      if (!reads.onlyWrittenBy(op) || !reads.wasRead(op.value())) {
        continue;
      }
      Operation lastRead = reads.lastInvoked.get(op.value());
      int k = countReturningBefore(writes, lastRead.invokeNanos());
      int latest = latestInvoker[k] == x ? secondLatestInvoker[k] : latestInvoker[k];
      if (latest < 0) {
        continue;
      }
      List<Integer> frontier = new ArrayList<>();
      for (int j = k - 1; j >= 0 && steps.get(writes[j]).returnNanos() >= invoke(latest); j--) {
        if (writes[j] != x) {
          frontier.add(writes[j]);
        }
      }
      before[x] = frontier.stream().mapToInt(Integer::intValue).toArray();
    }
    return before;
  }

  /** How many of the writes, sorted by return, return strictly before {@code nanos}. */
  private int countReturningBefore(Integer[] writes, long nanos) {
    int low = 0;
    int high = writes.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (steps.get(writes[mid]).returnNanos() < nanos) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  private long invoke(int step) {
    return steps.get(step).op().invokeNanos();
  }

  int size() {
    return steps.size();
  }

  Operation op(int index) {
    return steps.get(index).op();
  }

  /** What was left out, for reports: it explains why an operation in the history is not mentioned. */
  String droppedSummary() {
    return "ignored " + droppedFailed + " FAIL operations, " + droppedUnknownReads + " UNKNOWN reads and "
        + droppedUnobservedWrites + " UNKNOWN writes/deletes whose value nobody read";
  }
}
