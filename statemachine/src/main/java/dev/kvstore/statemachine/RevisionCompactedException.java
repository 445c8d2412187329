package dev.kvstore.statemachine;

/**
 * A read or a watch asked for a revision that was compacted away (etcd's {@code ErrCompacted}): on
 * every member, since compaction is a replicated command, or on this node alone when it loaded a
 * snapshot whose history starts later.
 */
public final class RevisionCompactedException extends RevisionUnavailableException {

  private static final long serialVersionUID = 1L;

  private final long oldestAvailableRevision;

  public RevisionCompactedException(long requestedRevision, long oldestAvailableRevision) {
    super("revision " + requestedRevision + " is compacted; the oldest revision that can be read or watched from"
        + " is " + oldestAvailableRevision);
    this.oldestAvailableRevision = oldestAvailableRevision;
  }

  public long oldestAvailableRevision() {
    return oldestAvailableRevision;
  }
}
