package dev.kvstore.failover.store;

/** The guarantees {@link StoreHistoryCheck} enforces on a run's store history and client calls. */
public enum StoreGuarantee {
  /**
   * Every revision from the start of the run to its end is in the store's history, once, in order:
   * a missing revision is a change nobody can have seen.
   */
  GAP_FREE_HISTORY,
  /**
   * Every change carries the counters the state before it implies: mod_revision its revision,
   * version one more than before (1 when created), create_revision kept until a delete, and a
   * delete removes a key that exists.
   */
  CONSISTENT_VERSIONS,
  /**
   * An acknowledged write (put, delete, transaction) is one revision of the history whose changes
   * are exactly what it did when run on the store before that revision: its compares chose the
   * branch it reported, its ops made those changes and answered what it was told (atomicity).
   */
  WRITES_APPLIED_AS_ACKNOWLEDGED,
  /**
   * The changes of a transaction are recorded in the order of its ops (docs/api.md: "watchers get
   * all the events of that revision together, in op order"), on every node that replays them.
   */
  CHANGES_IN_OP_ORDER,
  /**
   * An acknowledged read (Get, Range, a transaction that changed nothing) answered exactly what the
   * store held at the revision it reports.
   */
  READS_SEE_THEIR_REVISION,
  /**
   * A call that completed before another began has a revision no greater, and strictly smaller if
   * the later call wrote; a write with an unknown outcome is applied after everything that had
   * completed when it was sent (linearizability of the whole store).
   */
  REAL_TIME_ORDER,
  /** A call that failed with a definite "not applied" never shows in the history. */
  FAILED_NEVER_APPLIED,
  /** No call is applied twice: an acknowledged write once, a write with an unknown outcome at most once. */
  AT_MOST_ONCE,
  /** Every revision in the run's keys is the work of a recorded call (or of a lease's end). */
  NO_PHANTOM_WRITES
}
