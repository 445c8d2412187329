package dev.kvstore.client;

import java.util.Objects;

/**
 * What to watch: one key, or every key under a prefix, from the next change on or from a given
 * revision.
 *
 * @param key the key, or the prefix when {@code prefix} is true (empty with prefix = every key)
 * @param prefix whether {@code key} is a prefix
 * @param startRevision 0 for changes after the watch is registered; otherwise the first revision
 *     to deliver (retained history is replayed first)
 */
public record WatchOptions(String key, boolean prefix, long startRevision) {

  /** Validates the options. */
  public WatchOptions {
    Objects.requireNonNull(key, "key");
    if (startRevision < 0) {
      throw new IllegalArgumentException("startRevision must be >= 0, got " + startRevision);
    }
  }

  /** Changes of exactly {@code key}, from the next change on. */
  public static WatchOptions forKey(String key) {
    return new WatchOptions(key, false, 0);
  }

  /** Changes of every key that starts with {@code prefix}, from the next change on. */
  public static WatchOptions forPrefix(String prefix) {
    return new WatchOptions(prefix, true, 0);
  }

  /** The same watch, starting at {@code revision} (0 = from the next change on). */
  public WatchOptions fromRevision(long revision) {
    return new WatchOptions(key, prefix, revision);
  }
}
