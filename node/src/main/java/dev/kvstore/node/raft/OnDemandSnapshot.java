package dev.kvstore.node.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Takes a snapshot when asked ({@code Maintenance.Snapshot}) the way automatic snapshots are
 * taken: written beside the apply thread, so writes go on meanwhile.
 *
 * <p>Only Ratis's apply thread may open the state machine's point-in-time view, and Ratis's
 * snapshot management API is the way to have it call {@code takeSnapshot}; but Ratis answers that
 * API with whatever {@code takeSnapshot} returned, which is -1 while the snapshot is being written
 * (see {@code SnapshotWriter}). So a snapshot on demand takes rounds: the state machine is told
 * what to cover ({@code KvStateMachine.requestSnapshot}), Ratis is asked (the apply thread starts
 * the write and answers -1), the write is waited for ({@code snapshotInProgress}), and Ratis is
 * asked again: the apply thread now reports the finished snapshot, and Ratis records it, purges its
 * log behind it and answers its index (or an automatic call reported it first, and the snapshot on
 * disk is the answer). When a write was already in progress (an automatic snapshot of an older
 * index), that one is waited for first and one more round follows; three rounds always suffice, and
 * more are allowed in case automatic snapshots interleave.
 */
public final class OnDemandSnapshot {

  /** Rounds of asking Ratis before giving up. */
  static final int MAX_ROUNDS = 5;

  /** Ratis's snapshot management API on this node: has the apply thread call {@code takeSnapshot}. */
  @FunctionalInterface
  public interface RatisSnapshotCall {

    /**
     * @return the index Ratis answered: the snapshot it recorded, or -1 (none yet)
     * @throws IOException when Ratis refused or failed the request
     */
    long create(Duration timeout) throws IOException;
  }

  private final LongSupplier request;
  private final Supplier<CompletableFuture<Void>> inProgress;
  private final LongSupplier latest;
  private final RatisSnapshotCall ratis;

  /**
   * @param request tells the state machine a snapshot is wanted and returns the log index it must
   *     cover ({@code KvStateMachine::requestSnapshot})
   * @param inProgress the write in progress, exceptionally when it failed ({@code KvStateMachine::snapshotInProgress})
   * @param latest the log index of the latest complete snapshot on disk, -1 when there is none
   * @param ratis asks Ratis to have the state machine take a snapshot
   */
  public OnDemandSnapshot(LongSupplier request, Supplier<CompletableFuture<Void>> inProgress, LongSupplier latest,
      RatisSnapshotCall ratis) {
    this.request = request;
    this.inProgress = inProgress;
    this.latest = latest;
    this.ratis = ratis;
  }

  /**
   * Takes a snapshot of everything applied when called; blocks until it is on disk and Ratis knows.
   *
   * @return the log index the snapshot covers, at least the last applied index at the call
   * @throws IOException when Ratis refused, or writing the snapshot failed
   * @throws TimeoutException when that took longer than {@code timeout}
   */
  public long take(Duration timeout) throws IOException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long wanted = request.getAsLong();
    long answered = -1;
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      answered = ratis.create(remaining(deadline, timeout));
      if (answered >= wanted) {
        return answered;
      }
      // Under writes, Ratis's automatic call after the next batch of applies may have reported the
      // finished snapshot before this request's call, which then had nothing new to report.
      long onDisk = latest.getAsLong();
      if (onDisk >= wanted) {
        return onDisk;
      }
      try {
        inProgress.get().get(remaining(deadline, timeout).toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw new IOException("writing the snapshot failed: " + e.getCause().getMessage(), e.getCause());
      }
    }
    throw new IOException("no snapshot covering index " + wanted + " after " + MAX_ROUNDS + " requests to Ratis"
        + " (the last answered " + answered + ")");
  }

  private static Duration remaining(long deadline, Duration timeout) throws TimeoutException {
    long nanos = deadline - System.nanoTime();
    if (nanos <= 0) {
      throw new TimeoutException("the snapshot took longer than " + timeout.toSeconds() + " s");
    }
    return Duration.ofNanos(nanos);
  }
}
