package dev.kvstore.statemachine;

/**
 * The bytes of key-values a command's result may still carry (ranges in a transaction, previous
 * key-values of deletes and puts), so that no result outgrows a response, and no Raft reply the
 * results of a batch travel in. Once an entry does not fit, nothing more does: a result holds a
 * prefix, in op and key order, of what was asked for, the same on every replica.
 */
final class ResultBudget {

  /**
   * Bytes of key-values one command's result may carry: the client API's response budget
   * (RequestLimits.MAX_RANGE_BYTES, 3 MiB), which together with the largest entry keeps a response
   * below gRPC's default 4 MiB.
   */
  static final long COMMAND_BYTES = 3L << 20;

  /**
   * Bytes of key-values the results of one log entry (a batch) may carry together: the leader sends
   * them to the node that proposed the batch in one message, which must stay below the 16 MiB peer
   * message limit.
   */
  static final long ENTRY_BYTES = 12L << 20;

  private long left;
  /** The budget this one is part of, or null. */
  private final ResultBudget outer;

  ResultBudget(long bytes) {
    this(bytes, null);
  }

  private ResultBudget(long bytes, ResultBudget outer) {
    this.left = bytes;
    this.outer = outer;
  }

  /** A budget of at most {@code bytes} of what is left of this one, which loses what it takes. */
  ResultBudget part(long bytes) {
    return new ResultBudget(Math.min(bytes, left), this);
  }

  /** Whether {@code kv} fits, taking its bytes when it does; false from the first that did not. */
  boolean take(KeyValue kv) {
    return takeBytes(kv.encodedSize());
  }

  /** Bytes left. */
  long left() {
    return left;
  }

  private boolean takeBytes(long bytes) {
    if (bytes > left) {
      left = 0;
      return false;
    }
    left -= bytes;
    if (outer != null) {
      outer.takeBytes(bytes);
    }
    return true;
  }
}
