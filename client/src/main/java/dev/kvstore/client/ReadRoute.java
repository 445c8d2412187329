package dev.kvstore.client;

import dev.kvstore.api.ReadConsistency;

/**
 * What the balancer needs to know about a read: whether it is serializable (then a lagging member
 * is avoided, since it would answer from old data; a linearizable read waits for the read index
 * wherever it goes), and whether its answer's header revision is the answering member's current
 * one (a Get, a GetAll page, a first Range page at the current revision), which makes the answer
 * a sample of how far that member is behind. Reads at a past revision and writes answer with older
 * revisions, so they are no samples.
 *
 * @param serializable          avoid lagging members
 * @param answersCurrentRevision the response header's revision is the member's applied one
 */
record ReadRoute(boolean serializable, boolean answersCurrentRevision) {

  /** A call that is no sample and may go to any usable member (writes, lease and auth reads). */
  static final ReadRoute ANY = new ReadRoute(false, false);

  /** A read at the answering member's current revision, with {@code consistency}. */
  static ReadRoute current(ReadConsistency consistency) {
    return new ReadRoute(consistency == ReadConsistency.SERIALIZABLE, true);
  }
}
