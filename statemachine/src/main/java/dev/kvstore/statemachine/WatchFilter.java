package dev.kvstore.statemachine;

import java.util.Objects;

/**
 * Which keys a watch follows: one exact key, or every key that starts with a prefix.
 *
 * @param key    the key, or the prefix when {@code prefix} is true (empty prefix = every key)
 * @param prefix whether {@code key} is a prefix
 */
public record WatchFilter(String key, boolean prefix) {

  public WatchFilter {
    Objects.requireNonNull(key, "key");
    if (!prefix && key.isEmpty()) {
      throw new IllegalArgumentException("an exact-key watch needs a non-empty key");
    }
  }

  public static WatchFilter exact(String key) {
    return new WatchFilter(key, false);
  }

  public static WatchFilter prefix(String prefix) {
    return new WatchFilter(prefix, true);
  }

  public boolean matches(String candidate) {
    return prefix ? candidate.startsWith(key) : candidate.equals(key);
  }
}
