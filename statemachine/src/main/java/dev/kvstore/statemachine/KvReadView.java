package dev.kvstore.statemachine;

import java.util.Optional;

/** Read-only access to the replicated key-value data; safe to call from any thread. */
public interface KvReadView {

  /** The number of writes applied so far; every applied write increments it by one. */
  long revision();

  /** The entry of {@code key}, or empty when the key does not exist. */
  Optional<KeyValue> get(String key);

  /**
   * Entries whose key starts with {@code prefix} (every entry for an empty prefix), in key order,
   * at most {@code limit} of them, all as of one revision.
   */
  RangeResult range(String prefix, int limit);

  /** Number of keys currently stored. */
  int size();
}
