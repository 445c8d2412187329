package dev.kvstore.node.raft;

import dev.kvstore.statemachine.KvStateMachine;
import java.time.Duration;
import java.util.Objects;

/**
 * Raft timing, log housekeeping and the storage quota of a node.
 *
 * @param electionTimeout         minimum election timeout; the maximum is 1.5 times this
 * @param snapshotThreshold       writes (store revisions) or log entries, whichever come first,
 *                                applied between automatic snapshots: what a restart replays at most
 * @param logKeptAfterSnapshot    log entries kept behind a snapshot, so followers that lag a little
 *                                catch up from the log instead of a whole snapshot
 * @param logSegmentBytes         size at which a log segment is closed; only closed segments are purged
 * @param quotaBackendBytes       storage quota in bytes: above it, writes that add data are refused
 *                                ({@code --quota-backend-bytes}, see {@code StorageQuota}); 0 = none
 */
public record RaftTuning(Duration electionTimeout, long snapshotThreshold, long logKeptAfterSnapshot,
    long logSegmentBytes, long quotaBackendBytes) {

  /**
   * 8 GiB of data directory (Raft log, snapshots): on the Kubernetes manifests' 10 GiB volume, 2 GiB
   * stay free for the snapshot being written when the quota is reached. etcd's default is 2 GiB of
   * its database file; kvstore counts its log too, which holds up to --snapshot-threshold writes.
   */
  public static final long DEFAULT_QUOTA_BACKEND_BYTES = 8L << 30;

  /**
   * 750 ms election timeout: a leader that stops answering is replaced within about 1.1 s, plus a
   * second round when the first candidate's log was behind (its pre-vote waits out a timeout for
   * the silent leader), so every single-node fault costs writes under 3 s; Ratis heartbeats every
   * half of it. Pauses of the leader longer than that (a long GC, a starved machine) cost an
   * election; a follower's pause does not (pre-vote).
   */
  public static final RaftTuning DEFAULTS = new RaftTuning(Duration.ofMillis(750),
      KvStateMachine.DEFAULT_SNAPSHOT_THRESHOLD, 10_000, 32L << 20, DEFAULT_QUOTA_BACKEND_BYTES);

  public RaftTuning {
    Objects.requireNonNull(electionTimeout, "electionTimeout");
  }

  public RaftTuning withSnapshots(long threshold, long keptAfterSnapshot) {
    return new RaftTuning(electionTimeout, threshold, keptAfterSnapshot, logSegmentBytes, quotaBackendBytes);
  }

  public RaftTuning withLogSegmentBytes(long bytes) {
    return new RaftTuning(electionTimeout, snapshotThreshold, logKeptAfterSnapshot, bytes, quotaBackendBytes);
  }

  /** The same tuning with a storage quota of {@code bytes} (0 = none). */
  public RaftTuning withQuotaBackendBytes(long bytes) {
    return new RaftTuning(electionTimeout, snapshotThreshold, logKeptAfterSnapshot, logSegmentBytes, bytes);
  }

  /** Checks the values; throws {@link IllegalArgumentException} naming the one out of range and what is allowed. */
  public void validate() {
    if (electionTimeout.toMillis() < 50) {
      throw new IllegalArgumentException("election timeout must be at least 50 ms, got " + electionTimeout.toMillis()
          + " ms");
    }
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("snapshot threshold must be at least 1, got " + snapshotThreshold);
    }
    if (logKeptAfterSnapshot < 0) {
      throw new IllegalArgumentException("log entries kept after a snapshot must be >= 0, got " + logKeptAfterSnapshot);
    }
    if (logSegmentBytes < 1024) {
      throw new IllegalArgumentException("log segment size must be at least 1024 bytes, got " + logSegmentBytes);
    }
    if (quotaBackendBytes < 0) {
      throw new IllegalArgumentException("--quota-backend-bytes is " + quotaBackendBytes + "; give 0 (no quota) or a"
          + " number of bytes, e.g. 8589934592 for 8 GiB");
    }
  }
}
