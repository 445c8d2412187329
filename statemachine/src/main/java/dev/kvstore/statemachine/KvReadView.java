package dev.kvstore.statemachine;

import java.util.Optional;

/** Read-only access to the replicated key-value data; safe to call from any thread. */
public interface KvReadView {

  /** The number of writes applied so far; every applied write increments it by one. */
  long revision();

  /** The entry of {@code key}, or empty when the key does not exist. */
  Optional<KeyValue> get(String key);

  /**
   * The entry of {@code key} as of {@code revision}, a revision this view returned from
   * {@link #revision()}, or empty when the key did not exist then: with {@link #revision()} first,
   * a read whose answer names the revision it reflects.
   *
   * @throws IllegalStateException in the rare case that a compaction at a newer current revision
   *     passed {@code revision} in between (only a compaction by hand at the current revision can):
   *     a node answers UNAVAILABLE, and the read is retried
   */
  Optional<KeyValue> entryAt(String key, long revision);

  /**
   * Entries whose key starts with {@code prefix} (every entry for an empty prefix) and sorts after
   * {@code startAfter} (empty = from the first), in key order, all as of one revision: at most
   * {@code limit} of them, and no more once their keys and values add up to {@code maxBytes}
   * (at least one entry is always returned when one matches).
   */
  RangeResult range(String prefix, String startAfter, int limit, long maxBytes);

  /** Shorthand for a range without paging or a size budget. */
  default RangeResult range(String prefix, int limit) {
    return range(prefix, "", limit, Long.MAX_VALUE);
  }

  /** Number of keys currently stored. */
  int size();
}
