package dev.kvstore.statemachine;

import java.util.Objects;

/**
 * Which keys a watch follows: one key, every key with a prefix, or an interval of keys.
 *
 * @param range the keys (see {@link KeyRange})
 */
public record WatchFilter(KeyRange range) {

  public WatchFilter {
    Objects.requireNonNull(range, "range");
  }

  /** The original watch's two shapes: {@code key} exactly, or every key starting with it when {@code prefix}. */
  public WatchFilter(String key, boolean prefix) {
    this(prefix ? KeyRange.prefix(key) : KeyRange.key(key));
  }

  public static WatchFilter exact(String key) {
    return new WatchFilter(KeyRange.key(key));
  }

  public static WatchFilter prefix(String prefix) {
    return new WatchFilter(KeyRange.prefix(prefix));
  }

  /** The key, the prefix, or the first key of the interval. */
  public String key() {
    return range.start();
  }

  public boolean prefix() {
    return range.kind() == KeyRange.Kind.PREFIX;
  }

  public boolean matches(String candidate) {
    return range.contains(candidate);
  }
}
