package dev.kvstore.failover.history;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The call and return events of a key's operations in time order, as a doubly linked list from
 * which an operation's two events can be lifted out and put back in O(1) ("dancing links").
 * Lifting and putting back must happen in stack order, which a depth-first search does.
 */
final class EventList {

  /** The sentinel that starts and ends the circular list. */
  private static final int HEAD = 0;

  private final int[] next;
  private final int[] prev;
  private final int[] opOf;
  private final boolean[] isCall;
  private final int[] callOf;
  private final int[] returnOf;

  /**
   * @param callNanos   per operation, when it was invoked
   * @param returnNanos per operation, the latest time it can take effect
   * @param optional    per operation, whether it may also never take effect
   */
  EventList(long[] callNanos, long[] returnNanos, boolean[] optional) {
    int ops = callNanos.length;
    int events = 2 * ops;
    next = new int[events + 1];
    prev = new int[events + 1];
    opOf = new int[events + 1];
    isCall = new boolean[events + 1];
    callOf = new int[ops];
    returnOf = new int[ops];
    long[] time = new long[events + 1];
    for (int op = 0; op < ops; op++) {
      int call = 2 * op + 1;
      int ret = call + 1;
      opOf[call] = op;
      opOf[ret] = op;
      isCall[call] = true;
      time[call] = callNanos[op];
      time[ret] = returnNanos[op];
      callOf[op] = call;
      returnOf[op] = ret;
    }
    Integer[] order = new Integer[events];
    Arrays.setAll(order, i -> i + 1);
    // At equal times calls go first: the operations are then treated as concurrent, which can only
    // accept more histories, never reject a linearizable one. Mandatory returns precede optional
    // ones so that the first return in the list is always one that bounds the search.
    Arrays.sort(order, Comparator.<Integer>comparingLong(e -> time[e])
        .thenComparing(e -> !isCall[e])
        .thenComparing(e -> optional[opOf[e]])
        .thenComparingInt(e -> e));
    int last = HEAD;
    for (int e : order) {
      next[last] = e;
      prev[e] = last;
      last = e;
    }
    next[last] = HEAD;
    prev[HEAD] = last;
  }

  /** The first event still in the list, or the end marker. */
  int first() {
    return next[HEAD];
  }

  int next(int event) {
    return next[event];
  }

  boolean isEnd(int event) {
    return event == HEAD;
  }

  boolean isCall(int event) {
    return isCall[event];
  }

  int op(int event) {
    return opOf[event];
  }

  int callOf(int op) {
    return callOf[op];
  }

  /** Removes the operation's call and return, as when it has been linearized. */
  void lift(int op) {
    unlink(callOf[op]);
    unlink(returnOf[op]);
  }

  /** Undoes the most recent {@link #lift} that has not been undone, which must be of {@code op}. */
  void unlift(int op) {
    relink(returnOf[op]);
    relink(callOf[op]);
  }

  private void unlink(int event) {
    next[prev[event]] = next[event];
    prev[next[event]] = prev[event];
  }

  // The removed event still points at its old neighbours, which are back in place by now.
  private void relink(int event) {
    next[prev[event]] = event;
    prev[next[event]] = event;
  }
}
