package dev.kvstore.failover.store;

/** The guarantees of a watch of the Watch service that {@link WatchGuaranteeCheck} enforces. */
public enum WatchGuarantee {
  /** Revisions arrive in increasing order. */
  ORDERED,
  /** No revision arrives twice (a resumed watch does not repeat what it delivered before the break). */
  UNIQUE,
  /**
   * All the changes of one revision (a transaction) arrive together, in one delivery, and they are
   * exactly the store's changes at that revision: never split, never mixed with another revision.
   */
  ATOMIC_PER_REVISION,
  /** The changes of a transaction arrive in the order of its ops, whichever node delivers them. */
  IN_OP_ORDER,
  /**
   * No revision the watch covers is skipped between two deliveries: across broken streams, node
   * failures and leader changes, the watch resumes exactly after the last revision it delivered.
   */
  RESUMABLE,
  /** Every acknowledged write reaches every watcher, and every watcher reaches the end of the run. */
  COMPLETE
}
