package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * One page of a range read, as etcd's {@code RangeRequest} evaluates it against its mvcc
 * {@code ReadView}: the keys of a {@link KeyRange} at a revision, in an order, at most
 * {@code limit} entries and about {@code maxBytes}, with or without values, or only their number.
 * Knows nothing of the wire: the request layer maps its request onto this.
 *
 * <p>Memory stays bounded whatever the range holds. A read in key order (ascending or descending)
 * walks the range in that order and keeps only its page. A read sorted by version, create or mod
 * revision, or value must see every entry of the range to know which come first; it keeps only the
 * best {@code limit} of them (at most {@link #MAX_SORTED_PAGE}) on a heap while it walks, so a page
 * costs a walk of the range and the page's entries, never the range's. Every read walks the whole
 * range anyway, to count it, as etcd does.
 *
 * <p>Paging: the next page starts after the last key of this one ({@link #after}); given at the
 * same revision (the one the first page was read at, {@link RangeResult#revision()}), the pages
 * form one consistent cut, every entry exactly once. Entries that tie on a sort target follow each
 * other in key order (in reverse key order when descending), so the order is total and a resume
 * point is one key.
 *
 * @param range     the keys to read
 * @param revision  the revision to read at; 0 = the current one
 * @param limit     most entries in the page; 0 = no limit (a sorted read still stops at
 *                  {@link #MAX_SORTED_PAGE})
 * @param maxBytes  budget of the page's entries as a response encodes them
 *                  ({@link KeyValue#encodedSize()}): no entry is added beyond it, but the first one
 *                  always is
 * @param order     ascending or descending
 * @param target    what the entries are sorted by; ties in key order
 * @param keysOnly  entries without their values (empty values; their size no longer counts)
 * @param countOnly only the count: no entries at all
 * @param after     resume point: only entries after this key in the read's order; null for the
 *                  first page. With a sort other than by key it must be a key of the range at
 *                  {@code revision}, which must then not be 0
 */
public record RangeQuery(KeyRange range, long revision, int limit, long maxBytes, Order order, SortTarget target,
    boolean keysOnly, boolean countOnly, String after) {

  /** Direction of the order. */
  public enum Order { ASCEND, DESCEND }

  /** What a range is sorted by, as etcd's {@code SortTarget}. */
  public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

  /**
   * Most entries of one page of a read sorted by anything but the key, whatever its limit: the size
   * of the heap such a read keeps (references to stored entries, about 80 KB), as many as the API's
   * largest page ({@code RequestLimits.MAX_RANGE_LIMIT}).
   */
  public static final int MAX_SORTED_PAGE = 10_000;

  /**
   * @throws IllegalArgumentException when {@code revision} or {@code limit} is negative,
   *     {@code maxBytes} is not positive, or a sorted read resumes at revision 0
   */
  public RangeQuery {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(order, "order");
    Objects.requireNonNull(target, "target");
    if (revision < 0) {
      throw new IllegalArgumentException("a revision must not be negative, got " + revision);
    }
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative, got " + limit);
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
    }
    if (after != null && revision == 0 && target != SortTarget.KEY) {
      throw new IllegalArgumentException("a read sorted by " + target + " resumes only at the revision of its first"
          + " page, not at the current one");
    }
  }

  /** Every entry of {@code range} at the current revision, in ascending key order, values included. */
  public static RangeQuery of(KeyRange range) {
    return new RangeQuery(range, 0, 0, Long.MAX_VALUE, Order.ASCEND, SortTarget.KEY, false, false, null);
  }

  /** This read at {@code revision} (0 = the current one). */
  public RangeQuery atRevision(long revision) {
    return new RangeQuery(range, revision, limit, maxBytes, order, target, keysOnly, countOnly, after);
  }

  /** This read with at most {@code limit} entries (0 = no limit) and about {@code maxBytes}. */
  public RangeQuery limited(int limit, long maxBytes) {
    return new RangeQuery(range, revision, limit, maxBytes, order, target, keysOnly, countOnly, after);
  }

  /** This read sorted by {@code target} in {@code order}. */
  public RangeQuery sorted(SortTarget target, Order order) {
    return new RangeQuery(range, revision, limit, maxBytes, order, target, keysOnly, countOnly, after);
  }

  /** This read with entries without values and/or only the count. */
  public RangeQuery showing(boolean keysOnly, boolean countOnly) {
    return new RangeQuery(range, revision, limit, maxBytes, order, target, keysOnly, countOnly, after);
  }

  /** The page of this read after {@code key} (null: the first page). */
  public RangeQuery after(String key) {
    return new RangeQuery(range, revision, limit, maxBytes, order, target, keysOnly, countOnly, key);
  }

  /**
   * Reads the page. The result's count is the number of entries in the whole range at the revision
   * read (not only those after the resume point); {@code more} says whether entries follow the
   * page, and the next page then starts {@link #after} its last key.
   *
   * @throws RevisionCompactedException when {@code revision} is below the view's compacted revision
   * @throws FutureRevisionException    when {@code revision} is above its current revision
   * @throws IllegalArgumentException   when a sorted read resumes after a key that is not in the
   *     range at {@code revision}
   */
  public RangeResult run(ReadView view) throws RevisionUnavailableException {
    if (countOnly) {
      long[] count = {0};
      long at = view.scan(range, revision, false, kv -> {
        count[0]++;
        return true;
      });
      return new RangeResult(List.of(), count[0], false, at);
    }
    return target == SortTarget.KEY ? inKeyOrder(view) : sorted(view);
  }

  private RangeResult inKeyOrder(ReadView view) throws RevisionUnavailableException {
    boolean descending = order == Order.DESCEND;
    Page page = new Page(limit == 0 ? Integer.MAX_VALUE : limit);
    long[] count = {0};
    long at = view.scan(range, revision, descending, kv -> {
      count[0]++;
      if (after == null || KeyOrder.INSTANCE.compare(kv.key(), after) * (descending ? -1 : 1) > 0) {
        page.offer(kv);
      }
      return true;
    });
    return page.result(count[0], at);
  }

  private RangeResult sorted(ReadView view) throws RevisionUnavailableException {
    Comparator<KeyValue> byTarget = switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> Comparator.comparing(KeyValue::value, ByteString.unsignedLexicographicalComparator());
      case KEY -> throw new IllegalStateException("a read in key order is not sorted");
    };
    Comparator<KeyValue> ascending = byTarget.thenComparing(KeyValue::key, KeyOrder.INSTANCE);
    Comparator<KeyValue> inOrder = order == Order.DESCEND ? ascending.reversed() : ascending;
    KeyValue resume = after == null ? null : view.get(after, revision).filter(kv -> range.contains(kv.key()))
        .orElseThrow(() -> new IllegalArgumentException("the page to resume after ends with a key that is not in the"
            + " range at revision " + revision));
    int keep = limit == 0 ? MAX_SORTED_PAGE : Math.min(limit, MAX_SORTED_PAGE);
    // The worst of the best `keep` so far on top, to be dropped when a better one comes.
    PriorityQueue<KeyValue> best = new PriorityQueue<>(Math.min(keep, 1024) + 1, inOrder.reversed());
    long[] count = {0};
    long[] following = {0};
    long at = view.scan(range, revision, false, kv -> {
      count[0]++;
      if (resume == null || inOrder.compare(kv, resume) > 0) {
        following[0]++;
        best.add(kv);
        if (best.size() > keep) {
          best.poll();
        }
      }
      return true;
    });
    List<KeyValue> first = new ArrayList<>(best);
    first.sort(inOrder);
    Page page = new Page(keep);
    first.forEach(page::offer);
    return page.result(count[0], at, following[0]);
  }

  /** The entries of one page, up to its limit and byte budget, in the order offered. */
  private final class Page {

    private final int max;
    private final List<KeyValue> kvs = new ArrayList<>();
    private long bytes;
    private long offered;
    private boolean full;

    Page(int max) {
      this.max = max;
    }

    void offer(KeyValue kv) {
      offered++;
      if (full) {
        return;
      }
      KeyValue shown = keysOnly ? new KeyValue(kv.key(), ByteString.EMPTY, kv.createRevision(), kv.modRevision(),
          kv.version(), kv.lease()) : kv;
      long size = shown.encodedSize();
      if (kvs.size() < max && (kvs.isEmpty() || bytes + size <= maxBytes)) {
        kvs.add(shown);
        bytes += size;
      } else {
        full = true;
      }
    }

    /** @param following entries after the resume point, offered or not */
    RangeResult result(long count, long revision, long following) {
      return new RangeResult(kvs, count, following > kvs.size(), revision);
    }

    RangeResult result(long count, long revision) {
      return result(count, revision, offered);
    }
  }
}
