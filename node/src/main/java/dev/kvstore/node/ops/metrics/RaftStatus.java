package dev.kvstore.node.ops.metrics;

import dev.kvstore.api.MemberRole;
import java.util.Optional;

/**
 * What {@link RaftMetrics} reads of this node's Raft member at each scrape. Every method but
 * {@link #isRunning()} may throw once the member has stopped; the metrics then report NaN.
 */
public interface RaftStatus {

  /** False once the Raft server has stopped. */
  boolean isRunning();

  MemberRole role();

  /** The leader this node follows (or is), if it knows one. */
  Optional<String> leaderId();

  long term();

  /** Index of the last log entry known to be committed. */
  long commitIndex();

  /** Index of the last log entry applied to the state machine. */
  long appliedIndex();

  /** Index covered by the latest snapshot, or -1 when there is none. */
  long snapshotIndex();

  /** Entries held in the Raft log (not yet purged behind a snapshot). */
  long logEntries();

  /** Bytes of the Raft log's segment files on disk. */
  long logBytes();

  /** Bytes of the latest snapshot's files on disk, 0 when there is none. */
  long snapshotBytes();
}
