package dev.kvstore.statemachine;

/** A read asked for a revision above the store's current one (etcd's {@code ErrFutureRev}). */
public final class FutureRevisionException extends RevisionUnavailableException {

  private static final long serialVersionUID = 1L;

  private final long currentRevision;

  public FutureRevisionException(long requestedRevision, long currentRevision) {
    super("revision " + requestedRevision + " is in the future: the current revision is " + currentRevision);
    this.currentRevision = currentRevision;
  }

  /** The store's revision when the read was refused. */
  public long currentRevision() {
    return currentRevision;
  }
}
