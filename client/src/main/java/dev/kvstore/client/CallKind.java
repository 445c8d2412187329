package dev.kvstore.client;

/** What a call does, which decides how {@link FailoverCaller} may spread it over endpoints. */
enum CallKind {
  /**
   * Get and GetAll: no side effects, so a slow attempt may be hedged (sent to a second endpoint
   * too) and the first definitive answer wins. Adaptive attempt timeouts apply.
   */
  READ,
  /**
   * Put and Delete: tried first on the leader when the client knows it, never hedged (a second
   * copy would add a log entry), and a failure reports whether the write may have applied.
   * Adaptive attempt timeouts apply.
   */
  WRITE,
  /**
   * Status: one attempt at a time with the configured attempt timeout, because its normal duration
   * depends on the cluster's state (Status waits up to 1 s for each silent member).
   */
  MAINTENANCE,
  /**
   * Snapshot: one attempt at a time with all the time the request has left, because writing a
   * snapshot takes time that grows with the store (seconds for a million keys), and every attempt
   * that gave up early would leave the node writing one more.
   */
  SNAPSHOT;

  boolean adaptive() {
    return this == READ || this == WRITE;
  }
}
