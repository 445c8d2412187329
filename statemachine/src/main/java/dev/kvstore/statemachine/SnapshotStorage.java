package dev.kvstore.statemachine;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Ratis's single-file snapshot directory ({@code snapshot.TERM_INDEX} plus its {@code .md5}),
 * published one snapshot at a time.
 *
 * <p>Snapshots are written off the apply thread, while Ratis cleans up old ones on the apply
 * thread after each {@code takeSnapshot}. A cleanup that ran between the rename of a new file and
 * the writing of its {@code .md5} would warn about a snapshot without digest, so a cleanup that
 * finds a snapshot being written skips its turn instead (without waiting: the apply thread must
 * not wait for a write); the next {@code takeSnapshot} cleans up.
 *
 * <p>Ratis also cleans up after every {@code takeSnapshot} that found no snapshot due, which with
 * kvstore's low auto-trigger threshold is after every batch of applies (see {@link SnapshotWriter}):
 * a directory listing and a read of every {@code .md5} file each time. Only a snapshot published or
 * loaded since the last cleanup can make one too many, so the others are skipped. (This override
 * was lost once, in 72efd05: from 1,024 entries after each snapshot on, every batch of applies
 * listed the directory, half the apply thread's CPU time on every node under a put load.)
 *
 * <p>Ratis asks for the latest snapshot on every pass of each log appender's loop and after every
 * batch of applies. Ratis's storage answers from memory once it knows a snapshot, but while there is
 * none it lists the directory on every call: on a new cluster, until its first snapshot (100,000
 * writes by default), thousands of listings a second, about a tenth of the leader's appender and
 * apply threads' CPU time (perf, one put in flight). So "none" is remembered too, until a snapshot
 * is published or loaded; like a known snapshot, it is not looked for on disk again before then
 * (a snapshot installed from the leader is loaded through {@link #loadLatestSnapshot}).
 */
final class SnapshotStorage extends SimpleStateMachineStorage {

  /** Writes a snapshot file; returns the MD5 of what it wrote. */
  @FunctionalInterface
  interface FileWriter {
    MD5Hash write(File file) throws IOException;
  }

  private final ReentrantLock writing = new ReentrantLock();
  /** Counts the snapshots published or found by a load: what {@link #noneAsOf} and {@link #cleanedAsOf} refer to. */
  private final AtomicLong changes = new AtomicLong();
  /** The value of {@link #changes} when the directory was last found without a snapshot; -1 if it was not. */
  private volatile long noneAsOf = -1;
  /** The value of {@link #changes} when old snapshots were last cleaned up; -1 before the first cleanup. */
  private volatile long cleanedAsOf = -1;

  /** The latest snapshot, or null when there is none; lists the directory at most once per change. */
  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    // Read before looking: a snapshot published while the directory is being listed changes the
    // count, so the "none" found then is never taken for the state after it.
    long asOf = changes.get();
    if (noneAsOf == asOf) {
      return null;
    }
    SingleFileSnapshotInfo latest = super.getLatestSnapshot();
    if (latest == null) {
      noneAsOf = asOf;
    }
    return latest;
  }

  /**
   * Deletes the snapshots beyond {@code policy}'s count, as Ratis's storage does, but only when a
   * snapshot was published or loaded since the last cleanup, and never while one is being written
   * (the apply thread calls this and must not wait: the next call after the write cleans up).
   */
  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    // Read before cleaning: a snapshot published meanwhile leaves the count ahead, so it is cleaned next time.
    long asOf = changes.get();
    if (cleanedAsOf == asOf || !writing.tryLock()) {
      return;
    }
    try {
      super.cleanupOldSnapshots(policy);
      cleanedAsOf = asOf;
    } finally {
      writing.unlock();
    }
  }

  /** Also called by Ratis's {@code loadLatestSnapshot}, with null when it found none: that changes nothing. */
  @Override
  public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
    SingleFileSnapshotInfo latest = super.updateLatestSnapshot(info);
    if (info != null) {
      changes.incrementAndGet();
    }
    return latest;
  }

  /**
   * Writes the snapshot at {@code at} with {@code writer}, then its digest, then makes it the
   * latest snapshot Ratis sees (it never sees a partial file: {@link SnapshotFile} writes under a
   * temporary name). One write at a time.
   *
   * @return the snapshot now latest: the new one, unless a newer one was installed meanwhile
   */
  SingleFileSnapshotInfo write(TermIndex at, FileWriter writer) throws IOException {
    writing.lock();
    try {
      File file = getSnapshotFile(at.getTerm(), at.getIndex());
      MD5Hash md5 = writer.write(file);
      MD5FileUtil.saveMD5File(file, md5);
      return updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), at));
    } finally {
      writing.unlock();
    }
  }

  /** Index of the latest complete snapshot, -1 when there is none. */
  long latestIndex() {
    SingleFileSnapshotInfo latest = getLatestSnapshot();
    return latest == null ? -1 : latest.getIndex();
  }
}
