package dev.kvstore.statemachine;

import java.util.Objects;

/**
 * The keys a read or a delete covers, as etcd's {@code key} / {@code range_end} pair: one key, every
 * key that starts with a prefix, or the interval [start, end) in key order ({@link KeyOrder}). An
 * interval without end covers every key from start on (etcd's {@code range_end} of "\0").
 *
 * @param kind  which of the three shapes
 * @param start the key, the prefix ("" = every key), or the first key of the interval
 * @param end   for an interval, the first key after it, or null for no end; null otherwise
 */
public record KeyRange(Kind kind, String start, String end) {

  /** The shape of a {@link KeyRange}. */
  public enum Kind { KEY, PREFIX, INTERVAL }

  /** The range end that means "every key from the start on", as in etcd. */
  public static final String ALL_FROM_KEY = "\0";

  /**
   * @throws IllegalArgumentException when the shape's rules are broken: a key must not be empty, only
   *     an interval has an end, and an interval's end must sort after its start
   */
  public KeyRange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(start, "start");
    switch (kind) {
      case KEY -> {
        if (start.isEmpty()) {
          throw new IllegalArgumentException("a key must not be empty");
        }
        requireNoEnd(kind, end);
      }
      case PREFIX -> requireNoEnd(kind, end);
      case INTERVAL -> {
        if (end != null && KeyOrder.INSTANCE.compare(end, start) <= 0) {
          throw new IllegalArgumentException("the interval [\"" + start + "\", \"" + end + "\") is empty: its end"
              + " must sort after its start (keys are ordered by their UTF-8 bytes); leave the end out for every"
              + " key from the start on");
        }
      }
    }
  }

  private static void requireNoEnd(Kind kind, String end) {
    if (end != null) {
      throw new IllegalArgumentException("a " + kind.name().toLowerCase() + " range has no end; use an interval");
    }
  }

  /** Exactly {@code key}. */
  public static KeyRange key(String key) {
    return new KeyRange(Kind.KEY, key, null);
  }

  /** Every key that starts with {@code prefix}; every key at all for "". */
  public static KeyRange prefix(String prefix) {
    return new KeyRange(Kind.PREFIX, prefix, null);
  }

  /** The keys in [start, end); with {@code end} null, every key from {@code start} on. */
  public static KeyRange interval(String start, String end) {
    return new KeyRange(Kind.INTERVAL, start, end);
  }

  /**
   * The range of etcd's {@code key} / {@code range_end} pair plus kvstore's {@code prefix} flag, as
   * the client API and the internal commands carry it: exactly {@code key} when {@code rangeEnd} is
   * empty, every key starting with {@code key} for a prefix, every key from {@code key} on for a
   * {@code rangeEnd} of "\0", else the interval [key, rangeEnd).
   *
   * @throws IllegalArgumentException when the triple is not one of these (see the constructor), or
   *     names both a prefix and a range end
   */
  public static KeyRange of(String key, String rangeEnd, boolean prefix) {
    if (prefix) {
      if (!rangeEnd.isEmpty()) {
        throw new IllegalArgumentException("a prefix has no range end; give a prefix or an interval");
      }
      return prefix(key);
    }
    if (rangeEnd.isEmpty()) {
      return key(key);
    }
    return interval(key, rangeEnd.equals(ALL_FROM_KEY) ? null : rangeEnd);
  }

  /** Every key. */
  public static KeyRange all() {
    return prefix("");
  }

  /** Whether {@code key} is in the range. */
  public boolean contains(String key) {
    return switch (kind) {
      case KEY -> start.equals(key);
      case PREFIX -> key.startsWith(start);
      case INTERVAL -> KeyOrder.INSTANCE.compare(key, start) >= 0 && !pastEnd(key);
    };
  }

  /**
   * The first key after the range in key order, or null when no key sorts after it (an interval
   * without end, the prefix "" or a prefix of only U+10FFFF): for a prefix, the prefix with its
   * last code point below U+10FFFF raised by one and what follows it dropped, as etcd's
   * {@code GetPrefixRangeEnd} does with bytes.
   */
  public String upperBound() {
    return switch (kind) {
      case KEY -> start + '\0';
      case INTERVAL -> end;
      case PREFIX -> {
        int i = start.length();
        while (i > 0) {
          int last = start.codePointBefore(i);
          i -= Character.charCount(last);
          if (last < Character.MAX_CODE_POINT) {
            // U+D7FF + 1 is a lone surrogate, which KeyOrder still places between U+D7FF and U+E000.
            yield start.substring(0, i) + Character.toString(last + 1);
          }
        }
        yield null;
      }
    };
  }

  /**
   * Whether {@code key}, at or after {@link #start()} in key order, lies beyond the range: a walk in
   * key order from the start stops at the first such key.
   */
  boolean pastEnd(String key) {
    return switch (kind) {
      case KEY -> !start.equals(key);
      // Every key with the prefix sorts between the prefix and the first key without it.
      case PREFIX -> !key.startsWith(start);
      case INTERVAL -> end != null && KeyOrder.INSTANCE.compare(key, end) >= 0;
    };
  }
}
