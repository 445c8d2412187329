package dev.kvstore.statemachine;

/**
 * A read or a watch asked for a revision whose history this node no longer retains: compacted away
 * (etcd's {@code ErrCompacted}), or, for a watch, dropped from the bounded event history.
 */
public final class RevisionCompactedException extends RevisionUnavailableException {

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
