package dev.kvstore.client;

import java.util.Objects;

/**
 * What to watch: one key, every key under a prefix, or an interval of keys, from the next change on
 * or from a given revision, and what each event carries.
 *
 * <p>The original watch ({@link KvClient#watch(WatchOptions, WatchListener)}) takes a key or a
 * prefix and a start revision only; intervals, previous values, filters and progress need the
 * Watch service ({@link KvClient#watch(WatchOptions, RevisionListener)}).
 *
 * @param key            the key, the prefix when {@code prefix} is true (empty with prefix = every
 *                       key), or the first key of an interval
 * @param rangeEnd       empty for a key or a prefix; the end of the interval [key, rangeEnd);
 *                       {@code "\0"} for every key from {@code key} on
 * @param prefix         whether {@code key} is a prefix
 * @param startRevision  0 for changes after the watch is registered; otherwise the first revision
 *                       to deliver (retained history is replayed first)
 * @param prevKv         whether events carry the entry before the change
 * @param noPut          leave out PUT events
 * @param noDelete       leave out DELETE events
 * @param progressNotify have the node say, while nothing changes, how current the watch is
 */
public record WatchOptions(String key, String rangeEnd, boolean prefix, long startRevision, boolean prevKv,
    boolean noPut, boolean noDelete, boolean progressNotify) {

  /** Validates the options. */
  public WatchOptions {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(rangeEnd, "rangeEnd");
    if (startRevision < 0) {
      throw new IllegalArgumentException("startRevision must be >= 0, got " + startRevision);
    }
  }

  /** A key or a prefix, as the original watch takes them. */
  public WatchOptions(String key, boolean prefix, long startRevision) {
    this(key, "", prefix, startRevision, false, false, false, false);
  }

  /** Changes of exactly {@code key}, from the next change on. */
  public static WatchOptions forKey(String key) {
    return new WatchOptions(key, false, 0);
  }

  /** Changes of every key that starts with {@code prefix}, from the next change on. */
  public static WatchOptions forPrefix(String prefix) {
    return new WatchOptions(prefix, true, 0);
  }

  /** Changes of every key in [start, end) ({@code end} "\0": every key from start on), from the next change on. */
  public static WatchOptions forInterval(String start, String end) {
    return new WatchOptions(start, end, false, 0, false, false, false, false);
  }

  /** The same watch, starting at {@code revision} (0 = from the next change on). */
  public WatchOptions fromRevision(long revision) {
    return new WatchOptions(key, rangeEnd, prefix, revision, prevKv, noPut, noDelete, progressNotify);
  }

  /** The same watch, each event carrying the entry before the change. */
  public WatchOptions withPrevKv() {
    return new WatchOptions(key, rangeEnd, prefix, startRevision, true, noPut, noDelete, progressNotify);
  }

  /** The same watch without PUT events. */
  public WatchOptions withoutPuts() {
    return new WatchOptions(key, rangeEnd, prefix, startRevision, prevKv, true, noDelete, progressNotify);
  }

  /** The same watch without DELETE events. */
  public WatchOptions withoutDeletes() {
    return new WatchOptions(key, rangeEnd, prefix, startRevision, prevKv, noPut, true, progressNotify);
  }

  /** The same watch, told now and then while nothing changes how current it is. */
  public WatchOptions withProgressNotify() {
    return new WatchOptions(key, rangeEnd, prefix, startRevision, prevKv, noPut, noDelete, true);
  }

  /** Whether the original watch can express these options. */
  boolean originalWatchSuffices() {
    return rangeEnd.isEmpty() && !prevKv && !noPut && !noDelete && !progressNotify;
  }
}
