package dev.kvstore.statemachine;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads of the multi-version store at any retained revision, as etcd's mvcc {@code ReadView}: from
 * the compacted revision to the current one. Safe on any thread; each answer shows the store at one
 * revision, never a mix of two.
 *
 * <p>A revision argument of 0 means the current revision.
 */
public interface ReadView {

  /** The revision of the latest applied change; 0 for a store nothing was ever written to. */
  long currentRevision();

  /**
   * The oldest revision that can be read: reads below it fail with
   * {@link RevisionCompactedException}. 0 before the first compaction.
   */
  long compactedRevision();

  /**
   * The key's entry as it was at {@code revision}, or empty when it did not exist then.
   *
   * @throws RevisionCompactedException when {@code revision} is below {@link #compactedRevision()}
   * @throws FutureRevisionException    when {@code revision} is above {@link #currentRevision()}
   */
  Optional<KeyValue> get(String key, long revision) throws RevisionUnavailableException;

  /**
   * The entries of {@code range} as they were at {@code revision}, in key order: at most
   * {@code limit} of them (0 = no limit), and no more once their keys and values add up to
   * {@code maxBytes} (at least one is returned when one exists). The result's count is the number of
   * entries in the range at that revision, returned or not, and its revision is the one read at
   * (the current one for 0).
   *
   * @throws RevisionCompactedException when {@code revision} is below {@link #compactedRevision()}
   * @throws FutureRevisionException    when {@code revision} is above {@link #currentRevision()}
   * @throws IllegalArgumentException   when {@code limit} is negative
   */
  RangeResult range(KeyRange range, long revision, int limit, long maxBytes) throws RevisionUnavailableException;

  /**
   * Calls {@code visitor} with each entry of {@code range} as it was at {@code revision}, in key
   * order ({@link KeyOrder}) or, when {@code descending}, in reverse, until it returns false or the
   * range ends: the walk {@link RangeQuery} pages, sorts and counts with, holding nothing but the
   * entry at hand (the store keeps {@code revision} readable until the walk returns).
   *
   * @return the revision read: {@code revision}, or the current one for 0
   * @throws RevisionCompactedException when {@code revision} is below {@link #compactedRevision()}
   * @throws FutureRevisionException    when {@code revision} is above {@link #currentRevision()}
   */
  long scan(KeyRange range, long revision, boolean descending, Predicate<KeyValue> visitor)
      throws RevisionUnavailableException;

  /**
   * The changes of revisions {@code fromRevision} through {@code toRevision}, in revision order and
   * within a revision in the order they were made, each as its event with the key's previous entry:
   * what a watch replays (etcd's watchable store reads its backend by revision the same way). Only
   * revisions the store retains can be replayed; a store that retains none has no changes to give.
   *
   * @throws RevisionCompactedException when {@code fromRevision} is not above the compacted revision
   *     (its oldest available revision is the compacted one plus one)
   * @throws FutureRevisionException    when {@code toRevision} is above {@link #currentRevision()}
   * @throws IllegalArgumentException   when {@code fromRevision} is below 1 or {@code toRevision}
   *     below {@code fromRevision - 1} (which asks for nothing)
   */
  List<Event> changes(long fromRevision, long toRevision) throws RevisionUnavailableException;
}
