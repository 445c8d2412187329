package dev.kvstore.failover.history;

/** How a client operation ended, as far as the client can know. */
public enum Outcome {
  /** Completed and the result is known. */
  OK,
  /** Definitely did not take effect, e.g. rejected before it could be applied. */
  FAIL,
  /**
   * Timed out or lost its connection: it may have taken effect at any time after its invocation,
   * even long after the client gave up, or never.
   */
  UNKNOWN
}
