package dev.kvstore.statemachine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Waits until this node's Raft log has written every entry it was handed, before a snapshot from
 * the leader is installed over it.
 *
 * <p>Why: Ratis 3.3.0 installs a snapshot with {@code SegmentedRaftLog.onSnapshotInstalled}, which
 * drops the tasks still queued for the log's writer thread ({@code SegmentedRaftLogWorker.syncWithSnapshot}).
 * When those include the start of a new segment, the log's cache names a segment file that was
 * never created, the writer fails on the next roll ("File log_inprogress_N to be rolled does not
 * exist") and the Raft server shuts down. It happens to a follower that is catching up from the
 * log (so its writer is behind) when the leader purges past it and sends a snapshot instead: seen
 * in the failover suite, a killed follower restarted under load. With the queue empty nothing is
 * dropped. Ratis calls {@code StateMachine.pause()} right before that install, holding the server's
 * lock, so no new entry is appended through the leader's calls while this waits (one already past
 * that lock may still be; the window is that call's, not the whole backlog's). The other half of
 * the same Ratis method, a snapshot older than what the log has written, is fixed in Ratis's own
 * class ({@code ratis-patches/README.md}).
 */
final class LogWriteBarrier {

  /** Index of the last entry the log has written to disk, or -1 when the log is not known. */
  private final LongSupplier flushedIndex;
  /** Index of the last entry the log holds, written or queued; -1 when not known. */
  private final LongSupplier lastIndex;
  private final Duration limit;

  /**
   * @param flushedIndex index of the last entry the log has written to disk
   * @param lastIndex    index of the last entry the log holds, written or still queued
   * @param limit        how long to wait at most; beyond it the install goes on regardless
   */
  LogWriteBarrier(LongSupplier flushedIndex, LongSupplier lastIndex, Duration limit) {
    this.flushedIndex = flushedIndex;
    this.lastIndex = lastIndex;
    this.limit = limit;
  }

  /**
   * Waits until every entry the log held when called is written, polling every millisecond, for
   * at most the limit.
   *
   * @return what happened, for the caller's log line
   */
  Outcome await() {
    long target = lastIndex.getAsLong();
    long started = System.nanoTime();
    long deadline = started + limit.toNanos();
    while (flushedIndex.getAsLong() < target) {
      if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
        return new Outcome(target, flushedIndex.getAsLong(), elapsedMs(started), false);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return new Outcome(target, flushedIndex.getAsLong(), elapsedMs(started), true);
  }

  private static long elapsedMs(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  /**
   * @param target   the last index the log held when the wait began
   * @param flushed  the last index written when it ended
   * @param waitedMs how long it took (ms)
   * @param written  whether everything up to {@code target} was written
   */
  record Outcome(long target, long flushed, long waitedMs, boolean written) {}
}
