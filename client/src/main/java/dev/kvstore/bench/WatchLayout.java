package dev.kvstore.bench;

import java.util.Locale;
import java.util.Objects;

/**
 * Which watcher follows which key in a watch-latency run, and so how far each put fans out.
 * Watched keys are the {@link KeySpace} of {@code keyPrefix} with {@code watchers / watchersPerKey}
 * keys; watcher {@code i} follows key number {@code i / watchersPerKey}, so every key has exactly
 * {@code watchersPerKey} watchers and a put to a random key reaches exactly that many. With
 * {@code prefixWatches} each watcher follows the prefix {@code KEY/} instead of the key itself, and
 * puts go to {@code KEY/v}: the same fan-out, through the node's prefix index (many distinct
 * prefixes of one length, as watchers of one directory each).
 *
 * @param keyPrefix put before every key's number, e.g. {@code bench/watch/}
 * @param watchers how many watchers (at least 1)
 * @param watchersPerKey watchers of each key (at least 1, and dividing {@code watchers})
 * @param prefixWatches whether watchers follow a prefix rather than a key
 */
public record WatchLayout(String keyPrefix, int watchers, int watchersPerKey, boolean prefixWatches) {

  /** Validates the layout; the messages name the CLI's options. */
  public WatchLayout {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (watchers < 1 || watchersPerKey < 1) {
      throw new IllegalArgumentException("--watchers and --watchers-per-key must be at least 1, got "
          + watchers + " and " + watchersPerKey);
    }
    if (watchers % watchersPerKey != 0) {
      throw new IllegalArgumentException("--watchers (" + watchers + ") must be a multiple of --watchers-per-key ("
          + watchersPerKey + "), so that every key has as many watchers");
    }
  }

  /** How many distinct keys are watched (and written). */
  public int keys() {
    return watchers / watchersPerKey;
  }

  /** The number of the key watcher {@code watcher} follows. */
  public int keyOf(int watcher) {
    return watcher / watchersPerKey;
  }

  /** What watcher {@code watcher} watches: its key, or its key's prefix {@code KEY/}. */
  public String watched(int watcher) {
    String key = keySpace().key(keyOf(watcher));
    return prefixWatches ? key + "/" : key;
  }

  /** The key a put to key number {@code number} writes. */
  public String putKey(int number) {
    String key = keySpace().key(number);
    return prefixWatches ? key + "/v" : key;
  }

  private KeySpace keySpace() {
    return new KeySpace(keyPrefix, keys());
  }

  /** One phrase, e.g. "10000 watchers on 10000 keys bench/watch/* (1 per key, exact key)". */
  public String describe() {
    return String.format(Locale.ROOT, "%d watchers on %d keys %s* (%d per key, %s)", watchers, keys(), keyPrefix,
        watchersPerKey, prefixWatches ? "prefix KEY/ each" : "exact key");
  }
}
