package dev.kvstore.failover.store;

import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.failover.history.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Records client calls on the store in transaction form: {@link #invoke} just before sending,
 * then exactly one of {@link #ok}, {@link #fail} or {@link #unknown}. Thread-safe. The recorded
 * interval contains the real one: invocation time before sending, completion after the answer.
 */
public final class StoreHistoryRecorder {

  private final LongSupplier nanoClock;
  private final Object lock = new Object();
  private final Map<Long, StoreOperation> operations = new HashMap<>();
  private long nextId = 1;

  public StoreHistoryRecorder() {
    this(System::nanoTime);
  }

  /** A recorder with its own clock, for deterministic tests. */
  public StoreHistoryRecorder(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** A call on the current state; returns its id. */
  public long invoke(int process, TxnRequest request) {
    return invokeAt(process, request, 0);
  }

  /** A read of the past revision {@code pastRevision} (0: of the current state); returns its id. */
  public long invokeAt(int process, TxnRequest request, long pastRevision) {
    synchronized (lock) {
      long id = nextId++;
      operations.put(id, new StoreOperation(id, process, request, pastRevision, nanoClock.getAsLong(),
          StoreOperation.NOT_COMPLETED, Outcome.UNKNOWN, null));
      return id;
    }
  }

  /** The answer, in transaction form ({@link TxnForm}). */
  public void ok(long id, TxnResponse response) {
    complete(id, Outcome.OK, response);
  }

  /** The call definitely did not take effect. */
  public void fail(long id) {
    complete(id, Outcome.FAIL, null);
  }

  /** The client gave up without knowing whether the call took effect. */
  public void unknown(long id) {
    complete(id, Outcome.UNKNOWN, null);
  }

  /** Everything recorded so far, by invocation time; calls in flight are UNKNOWN. */
  public List<StoreOperation> operations() {
    synchronized (lock) {
      List<StoreOperation> all = new ArrayList<>(operations.values());
      all.sort(Comparator.comparingLong(StoreOperation::invokeNanos).thenComparingLong(StoreOperation::id));
      return List.copyOf(all);
    }
  }

  private void complete(long id, Outcome outcome, TxnResponse response) {
    synchronized (lock) {
      StoreOperation invoked = operations.get(id);
      if (invoked == null || invoked.completeNanos() != StoreOperation.NOT_COMPLETED) {
        throw new IllegalStateException(invoked == null ? "no operation " + id + " was invoked"
            : "operation " + id + " was already completed");
      }
      operations.put(id, new StoreOperation(id, invoked.process(), invoked.request(), invoked.pastRevision(),
          invoked.invokeNanos(), nanoClock.getAsLong(), outcome, response));
    }
  }
}
