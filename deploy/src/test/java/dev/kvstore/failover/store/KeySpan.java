package dev.kvstore.failover.store;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * The keys a request names, as kvstore's RangeRequest does: one key ({@code rangeEnd} empty, not a
 * prefix), every key under a prefix ("" = every key), or the interval [key, rangeEnd) ({@code "\0"}
 * = every key from key on). Keys compare as their UTF-8 bytes, unsigned, as the store orders them.
 */
record KeySpan(String key, String rangeEnd, boolean prefix) {

  /** The store's key order: UTF-8 bytes, unsigned lexicographic. */
  static final Comparator<String> KEY_ORDER = Comparator.comparing(ByteString::copyFromUtf8,
      ByteString.unsignedLexicographicalComparator());

  private static final String ALL_FROM_KEY = "\0";

  boolean contains(String candidate) {
    if (prefix) {
      return candidate.startsWith(key);
    }
    if (rangeEnd.isEmpty()) {
      return candidate.equals(key);
    }
    if (KEY_ORDER.compare(candidate, key) < 0) {
      return false;
    }
    return rangeEnd.equals(ALL_FROM_KEY) || KEY_ORDER.compare(candidate, rangeEnd) < 0;
  }
}
