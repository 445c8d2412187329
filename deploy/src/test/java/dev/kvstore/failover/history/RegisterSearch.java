package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Searches for a linearization of one key's history against a register: the Wing &amp; Gong
 * depth-first search with Lowe's improvements, as in Porcupine. Only a minimal pending call (one
 * invoked before the earliest pending return) may be linearized next, and each point reached is
 * remembered so that no point is explored twice.
 *
 * <p>Optional operations (UNKNOWN writes that may never take effect) return at +infinity, so they
 * stay candidates for the rest of the search. They are tried only after every mandatory candidate,
 * since placing one early is rarely what the history needs, and the search succeeds as soon as the
 * mandatory operations are placed: whatever optional operations are left simply never took effect.
 *
 * <p>Two prunings specific to registers keep histories with many UNKNOWN operations tractable:
 * a write is not placed before the writes {@link KeyHistory#writesBefore} says must precede it,
 * and of several pending optional writes of one value only the earliest is tried.
 */
final class RegisterSearch {

  private static final int NONE = -1;
  /** The interned value of "absent". */
  private static final int ABSENT = 0;

  private final KeyHistory history;
  private final EventList events;
  private final boolean[] reads;
  private final boolean[] optional;
  private final int[] valueIds;
  private final List<String> values = new ArrayList<>();
  private final int initialValueId;
  private final boolean anyOptional;

  RegisterSearch(KeyHistory history) {
    this.history = history;
    int n = history.size();
    reads = new boolean[n];
    optional = new boolean[n];
    valueIds = new int[n];
    long[] callNanos = new long[n];
    long[] returnNanos = new long[n];
    // Interning turns register values into ints, so comparing them and remembering them is cheap.
    Map<String, Integer> ids = new HashMap<>();
    values.add(null);
    ids.put(null, ABSENT);
    for (int i = 0; i < n; i++) {
      KeyHistory.Step step = history.steps.get(i);
      reads[i] = step.op().type() == OpType.READ;
      optional[i] = step.optional();
      valueIds[i] = intern(step.op().value(), ids);
      callNanos[i] = step.op().invokeNanos();
      returnNanos[i] = step.returnNanos();
    }
    initialValueId = intern(history.initialValue, ids);
    anyOptional = history.size() > history.mandatoryCount;
    events = new EventList(callNanos, returnNanos, optional);
  }

  /**
   * Runs the search.
   *
   * @param maxStates     answer INCONCLUSIVE after exploring this many points
   * @param deadlineNanos answer INCONCLUSIVE once {@link System#nanoTime()} reaches this
   */
  SearchOutcome run(long maxStates, long deadlineNanos) {
    int n = history.size();
    BitSet mandatoryDone = new BitSet(history.mandatoryCount);
    BitSet optionalDone = new BitSet();
    Set<SearchPoint> explored = new HashSet<>();
    int[] stackOp = new int[n];
    int[] stackRegister = new int[n];
    int depth = 0;
    int register = initialValueId;
    int mandatoryLeft = history.mandatoryCount;
    DeadEnd deepest = null;
    int deepestPlaced = -1;
    int maxDepth = 0;

    int candidate = nextCandidate(events.first(), false);
    while (mandatoryLeft > 0) {
      if (candidate == NONE) {
        // Progress is counted in mandatory operations: optional ones are tried only when stuck,
        // and a prefix padded with them would explain nothing more.
        int placed = history.mandatoryCount - mandatoryLeft;
        if (deepest == null || placed > deepestPlaced) {
          deepest = deadEnd(stackOp, depth, register, mandatoryDone);
          deepestPlaced = placed;
        }
        if (depth == 0) {
          return new SearchOutcome(CheckResult.Verdict.NOT_LINEARIZABLE, explored.size(), maxDepth, deepest);
        }
        depth--;
        int op = stackOp[depth];
        register = stackRegister[depth];
        mark(op, false, mandatoryDone, optionalDone);
        events.unlift(op);
        if (!optional[op]) {
          mandatoryLeft++;
        }
        // Resume with the candidates that come after the one just undone, in the same phase.
        candidate = nextCandidate(events.next(events.callOf(op)), optional[op]);
        continue;
      }

      int op = events.op(candidate);
      if (!fits(op, register, mandatoryDone)) {
        candidate = nextCandidate(events.next(candidate), optional[op]);
        continue;
      }
      int after = reads[op] ? register : valueIds[op];
      mark(op, true, mandatoryDone, optionalDone);
      if (!explored.add(SearchPoint.of(mandatoryDone, optionalDone, after))) {
        mark(op, false, mandatoryDone, optionalDone);
        candidate = nextCandidate(events.next(candidate), optional[op]);
        continue;
      }
      if (explored.size() > maxStates
          || (explored.size() % 1024 == 1 && System.nanoTime() - deadlineNanos >= 0)) {
        return new SearchOutcome(CheckResult.Verdict.INCONCLUSIVE, explored.size(), maxDepth, deepest);
      }
      stackOp[depth] = op;
      stackRegister[depth] = register;
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      register = after;
      events.lift(op);
      if (!optional[op]) {
        mandatoryLeft--;
      }
      candidate = nextCandidate(events.first(), false);
    }
    return new SearchOutcome(CheckResult.Verdict.LINEARIZABLE, explored.size(), maxDepth, null);
  }

  /**
   * The next call event, from {@code from} on, that may be linearized now: first the mandatory
   * calls before the earliest pending return, then the optional ones before it.
   */
  private int nextCandidate(int from, boolean optionalPhase) {
    int event = from;
    if (!optionalPhase) {
      for (; !events.isEnd(event) && events.isCall(event); event = events.next(event)) {
        if (!optional[events.op(event)]) {
          return event;
        }
      }
      if (!anyOptional) {
        return NONE;
      }
      event = events.first();
    }
    for (; !events.isEnd(event) && events.isCall(event); event = events.next(event)) {
      if (optional[events.op(event)] && !hasEarlierOptionalTwin(event)) {
        return event;
      }
    }
    return NONE;
  }

  /**
   * Whether an optional call with the same value comes earlier in the list. Two invoked optional
   * writes of one value are interchangeable from here on, since neither has a deadline, so trying
   * the earliest one covers both; without this, unknown deletes multiply the search space.
   */
  private boolean hasEarlierOptionalTwin(int event) {
    int value = valueIds[events.op(event)];
    for (int e = events.first(); e != event; e = events.next(e)) {
      if (events.isCall(e) && optional[events.op(e)] && valueIds[events.op(e)] == value) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code op} can be linearized next, given what is linearized and the register. */
  private boolean fits(int op, int register, BitSet mandatoryDone) {
    return (!reads[op] || valueIds[op] == register) && firstMissingPredecessor(op, mandatoryDone) < 0;
  }

  /** A write that must be linearized before {@code op} but is not yet, or -1 if there is none. */
  private int firstMissingPredecessor(int op, BitSet mandatoryDone) {
    for (int write : history.writesBefore[op]) {
      if (!mandatoryDone.get(write)) {
        return write;
      }
    }
    return -1;
  }

  /** Why {@code op} did not lead to a linearization, for the report of a dead end. */
  private String whyNot(int op, int register, BitSet mandatoryDone) {
    if (reads[op] && valueIds[op] != register) {
      return "reads " + Operation.quote(values.get(valueIds[op])) + " but the register holds "
          + Operation.quote(values.get(register));
    }
    int missing = firstMissingPredecessor(op, mandatoryDone);
    if (missing >= 0) {
      return "must follow " + history.op(missing).label() + ", which completed before "
          + history.impliedBy[op].label() + " began";
    }
    return optional[op]
        ? "fits, but no order of the rest works after it (it may also never take effect)"
        : "fits, but no order of the rest works after it";
  }

  private void mark(int op, boolean done, BitSet mandatoryDone, BitSet optionalDone) {
    if (optional[op]) {
      optionalDone.set(op - history.mandatoryCount, done);
    } else {
      mandatoryDone.set(op, done);
    }
  }

  private DeadEnd deadEnd(int[] stackOp, int depth, int register, BitSet mandatoryDone) {
    List<Operation> last = new ArrayList<>();
    for (int i = Math.max(0, depth - DeadEnd.SHOWN_PREFIX); i < depth; i++) {
      last.add(history.op(stackOp[i]));
    }
    List<DeadEnd.Pending> pending = new ArrayList<>();
    int event = events.first();
    for (; events.isCall(event); event = events.next(event)) {
      int op = events.op(event);
      pending.add(new DeadEnd.Pending(history.op(op), whyNot(op, register, mandatoryDone)));
    }
    return new DeadEnd(depth, List.copyOf(last), values.get(register), List.copyOf(pending),
        history.op(events.op(event)));
  }

  private int intern(String value, Map<String, Integer> ids) {
    return ids.computeIfAbsent(value, v -> {
      values.add(v);
      return values.size() - 1;
    });
  }
}
