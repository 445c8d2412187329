package dev.kvstore.statemachine;

/**
 * Why a watch ended on the server side. The consumer knows the first revision it did not receive
 * ({@link Watch#lastPolledRevision()} + 1), from which its client can watch again.
 *
 * @param reason  the cause
 * @param message a sentence for the client saying what happened
 */
public record WatchCancellation(Reason reason, String message) {

  /** Causes of a server-side cancellation. */
  public enum Reason {
    /** The watcher fell further behind than its queue allows. */
    OVERFLOW,
    /** Replay fell behind the retained history before it caught up. */
    COMPACTED,
    /** The node replaced its state (snapshot installation), so its history restarted. */
    RESET,
    /** The node is shutting down. */
    SHUTDOWN,
    /** The node has had no leader for a while, so it may be cut off and miss changes. */
    LEADER_LOST,
    /** The watcher itself closed the watch. */
    CLOSED
  }
}
