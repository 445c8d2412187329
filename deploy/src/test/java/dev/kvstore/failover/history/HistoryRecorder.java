package dev.kvstore.failover.history;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Records the operations of concurrent clients: call {@link #invoke} just before sending a request
 * and exactly one of {@link #ok}, {@link #fail} or {@link #unknown} after it ends. Thread-safe.
 *
 * <p>The recorded interval must contain the real one for the checkers to be sound, hence the
 * invocation time is taken before the request is sent and the completion time after the answer.
 */
public final class HistoryRecorder {

  private final LongSupplier nanoClock;
  // One lock rather than concurrent maps: a snapshot must never miss an operation that is moving
  // from pending to completed, and contention is negligible next to a network round trip.
  private final Object lock = new Object();
  private final Map<Long, Operation> operations = new HashMap<>();
  private final Map<Long, Operation> pending = new HashMap<>();
  private long nextId = 1;

  /** A recorder that timestamps with {@link System#nanoTime()}. */
  public HistoryRecorder() {
    this(System::nanoTime);
  }

  /** A recorder with its own clock, for deterministic tests. */
  public HistoryRecorder(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * Records the start of an operation and returns its id.
   *
   * @param valueToWrite the value for WRITE; null for READ and DELETE
   */
  public long invoke(int process, OpType type, String key, String valueToWrite) {
    if (type == OpType.READ && valueToWrite != null) {
      throw new IllegalArgumentException("a READ writes no value");
    }
    synchronized (lock) {
      long id = nextId++;
      Operation op = new Operation(id, process, type, key, valueToWrite, nanoClock.getAsLong(),
          Operation.NOT_COMPLETED, Outcome.UNKNOWN);
      operations.put(id, op);
      pending.put(id, op);
      return id;
    }
  }

  /**
   * Records a successful completion.
   *
   * @param readValueOrNull for a READ the value read, null when the key was absent; ignored for
   *                        writes and deletes, whose value is known from {@link #invoke}
   * @param revision        the store revision from the response header; 0 when not known
   */
  public void ok(long id, String readValueOrNull, long revision) {
    complete(id, Outcome.OK, readValueOrNull, revision);
  }

  /** Records that the operation definitely did not take effect. */
  public void fail(long id) {
    complete(id, Outcome.FAIL, null, 0);
  }

  /** Records that the client gave up without knowing whether the operation took effect. */
  public void unknown(long id) {
    complete(id, Outcome.UNKNOWN, null, 0);
  }

  /** A snapshot of everything recorded so far; operations still in flight are UNKNOWN. */
  public History history() {
    synchronized (lock) {
      return History.of(operations.values());
    }
  }

  private void complete(long id, Outcome outcome, String readValue, long revision) {
    synchronized (lock) {
      Operation invoked = pending.remove(id);
      if (invoked == null) {
        throw new IllegalStateException(operations.containsKey(id)
            ? "operation " + id + " was already completed"
            : "no operation " + id + " was invoked");
      }
      String value = invoked.type() == OpType.READ
          ? (outcome == Outcome.OK ? readValue : null)
          : invoked.value();
      operations.put(id, new Operation(id, invoked.process(), invoked.type(), invoked.key(), value,
          invoked.invokeNanos(), nanoClock.getAsLong(), outcome, revision));
    }
  }
}
