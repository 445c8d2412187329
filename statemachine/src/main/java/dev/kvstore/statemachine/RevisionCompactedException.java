package dev.kvstore.statemachine;

/** A watch asked to replay from a revision whose events this node no longer retains. */
public final class RevisionCompactedException extends Exception {

  private static final long serialVersionUID = 1L;

  private final long oldestAvailableRevision;

  public RevisionCompactedException(long requestedRevision, long oldestAvailableRevision) {
    super("revision " + requestedRevision + " is no longer retained on this node; the oldest revision"
        + " that can be replayed is " + oldestAvailableRevision);
    this.oldestAvailableRevision = oldestAvailableRevision;
  }

  public long oldestAvailableRevision() {
    return oldestAvailableRevision;
  }
}
