package dev.kvstore.node.raft;

/**
 * A linearizable read's read index is confirmed, but this node has not applied the log up to it
 * within the request's time: it is behind the leader (just restarted, or back from a partition),
 * not short of a quorum.
 */
public final class CatchingUpException extends Exception {

  private final long readIndex;

  CatchingUpException(long readIndex) {
    super("not yet applied up to the read index " + readIndex, null, false, false);
    this.readIndex = readIndex;
  }

  /** The read index (a Raft log index) this node had not applied in time. */
  public long readIndex() {
    return readIndex;
  }
}
