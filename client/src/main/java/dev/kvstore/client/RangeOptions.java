package dev.kvstore.client;

import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import java.util.Objects;

/**
 * What a Range reads: a key, a prefix or an interval, at a revision, in an order, how many, with or
 * without values, and how consistently (etcd's {@code RangeRequest} options). Immutable; start from
 * {@link #key}, {@link #prefix}, {@link #interval} or {@link #fromKey} and adjust with the
 * {@code with} methods, e.g. {@code RangeOptions.prefix("config/").withLimit(100).withKeysOnly(true)}.
 *
 * <p>Keys are in the order of their UTF-8 bytes (Unicode code point order, as in etcd).
 *
 * @param key         the key, the prefix, or the first key of the interval
 * @param rangeEnd    empty for a key or a prefix; else the first key after the interval, or
 *                    {@link RequestLimits#ALL_FROM_KEY} for every key from {@code key} on
 * @param prefix      whether {@code key} is a prefix ("" = every key)
 * @param limit       the most entries wanted in total; 0 = every matching entry. One response (a
 *                    page) never holds more than {@value #MAX_PAGE_ENTRIES} entries or about 3 MiB
 * @param revision    the revision to read at; 0 = the current one (the pages of one read all stay
 *                    at the revision of its first page)
 * @param sortOrder   NONE (key order, or ascending for another target, as in etcd), ASCEND or DESCEND
 * @param sortTarget  KEY, VERSION, CREATE, MOD or VALUE; ties in key order
 * @param keysOnly    entries without values
 * @param countOnly   only the count, no entries
 * @param consistency {@code LINEARIZABLE} (the default) or {@code SERIALIZABLE}, for each page
 */
public record RangeOptions(String key, String rangeEnd, boolean prefix, long limit, long revision, SortOrder sortOrder,
    SortTarget sortTarget, boolean keysOnly, boolean countOnly, ReadConsistency consistency) {

  /** The most entries the server puts in one page ({@link RequestLimits#MAX_RANGE_LIMIT}); a page also stops at about 3 MiB. */
  public static final int MAX_PAGE_ENTRIES = RequestLimits.MAX_RANGE_LIMIT;

  /**
   * Validates what does not need the server; the rest ({@link RequestLimits#check(RangeRequest)})
   * is checked before each request is sent.
   *
   * @throws IllegalArgumentException for a negative limit or revision, or an unknown enum value
   */
  public RangeOptions {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(rangeEnd, "rangeEnd");
    Objects.requireNonNull(sortOrder, "sortOrder");
    Objects.requireNonNull(sortTarget, "sortTarget");
    Objects.requireNonNull(consistency, "consistency");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = every entry), got " + limit);
    }
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0 (0 = the current one), got " + revision);
    }
    if (sortOrder == SortOrder.UNRECOGNIZED || sortTarget == SortTarget.UNRECOGNIZED
        || consistency == ReadConsistency.UNRECOGNIZED) {
      throw new IllegalArgumentException("sort order, sort target and consistency must be values the API defines");
    }
  }

  /** Exactly {@code key}. */
  public static RangeOptions key(String key) {
    return new RangeOptions(key, "", false, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false,
        ReadConsistency.LINEARIZABLE);
  }

  /** Every key that starts with {@code prefix} ("" = every key). */
  public static RangeOptions prefix(String prefix) {
    return key(prefix).withPrefix(true);
  }

  /** The keys in [start, end). */
  public static RangeOptions interval(String start, String end) {
    return key(start).withRangeEnd(end);
  }

  /** Every key from {@code key} on. */
  public static RangeOptions fromKey(String key) {
    return interval(key, RequestLimits.ALL_FROM_KEY);
  }

  private RangeOptions withPrefix(boolean prefix) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  private RangeOptions withRangeEnd(String rangeEnd) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /** The same read, at most {@code limit} entries in total (0 = every entry). */
  public RangeOptions withLimit(long limit) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /** The same read at {@code revision} (0 = the current one). */
  public RangeOptions atRevision(long revision) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /** The same read sorted by {@code target} in {@code order}. */
  public RangeOptions sortedBy(SortTarget target, SortOrder order) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, order, target, keysOnly, countOnly, consistency);
  }

  /** The same read, with entries without values when {@code keysOnly}. */
  public RangeOptions withKeysOnly(boolean keysOnly) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /** The same read, returning only the count when {@code countOnly}. */
  public RangeOptions withCountOnly(boolean countOnly) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /** The same read with {@code consistency}. */
  public RangeOptions withConsistency(ReadConsistency consistency) {
    return new RangeOptions(key, rangeEnd, prefix, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        consistency);
  }

  /**
   * The request for the page after {@code pageToken} ("" = the first page) that holds at most
   * {@code wanted} entries (0, or any number from a full page up, asks for the server's maximum).
   */
  RangeRequest pageRequest(String pageToken, long wanted) {
    return RangeRequest.newBuilder()
        .setKey(key)
        .setRangeEnd(rangeEnd)
        .setPrefix(prefix)
        .setLimit(wanted > 0 && wanted < MAX_PAGE_ENTRIES ? wanted : 0)
        .setRevision(revision)
        .setSortOrder(sortOrder)
        .setSortTarget(sortTarget)
        .setKeysOnly(keysOnly)
        .setCountOnly(countOnly)
        .setConsistency(consistency)
        .setPageToken(pageToken)
        .build();
  }
}
