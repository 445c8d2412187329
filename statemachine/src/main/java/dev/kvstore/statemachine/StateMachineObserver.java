package dev.kvstore.statemachine;

/**
 * Told of what the state machine does that an operator wants to count or time (snapshots, ended
 * watches), so that the node can export metrics while this module stays free of any metrics
 * library. Every method has a no-op default; {@link #NONE} ignores everything.
 *
 * <p>Callbacks run on the thread doing the work, which may be the Raft apply thread: an
 * implementation must return at once (increment a counter, record a timer) and never throw.
 */
public interface StateMachineObserver {

  /** Ignores every callback. */
  StateMachineObserver NONE = new StateMachineObserver() { };

  /**
   * A snapshot was written to disk.
   *
   * @param bytes         size of the snapshot file, in bytes
   * @param durationNanos time taken to write it (including the fsync and rename), in nanoseconds
   */
  default void snapshotTaken(long bytes, long durationNanos) { }

  /**
   * A snapshot was read into memory, at start or after the leader installed one on this node.
   *
   * @param bytes         size of the snapshot file, in bytes
   * @param durationNanos time taken to verify and read it, in nanoseconds
   */
  default void snapshotLoaded(long bytes, long durationNanos) { }

  /**
   * A watch ended, once per watch, for {@code reason}: the server ended it (overflow, compaction,
   * reset, shutdown, no leader) or its consumer closed it ({@link WatchCancellation.Reason#CLOSED}).
   */
  default void watchEnded(WatchCancellation.Reason reason) { }
}
