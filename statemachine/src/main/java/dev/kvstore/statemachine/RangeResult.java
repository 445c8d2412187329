package dev.kvstore.statemachine;

import java.util.List;

/**
 * The answer to a range read: a consistent cut of the store at {@code revision}.
 *
 * @param kvs      matching entries in key order (or the order a {@link RangeQuery} asked for), at most
 *                 the requested limit
 * @param count    number of matching entries, returned or not
 * @param more     true when matching entries follow those returned (for a page of a
 *                 {@link RangeQuery}: after its resume point)
 * @param revision the store revision the result reflects
 */
public record RangeResult(List<KeyValue> kvs, long count, boolean more, long revision) {
  public RangeResult {
    kvs = List.copyOf(kvs);
  }
}
