package dev.kvstore.client;

/** Hears how a {@link LeaseKeepAlive} fares; called one at a time on the client's callback executor. */
public interface LeaseKeepAliveListener {

  /** The lease was renewed and has {@code ttlSeconds} again. */
  default void renewed(long ttlSeconds) {}

  /**
   * The lease is lost, and the keep-alive has stopped: it no longer exists (expired or revoked:
   * code NOT_FOUND), or it could not be renewed within its TTL (code UNAVAILABLE or
   * DEADLINE_EXCEEDED: it may have expired). Called at most once; never after the handle was closed.
   */
  void lost(KvClientException reason);
}
