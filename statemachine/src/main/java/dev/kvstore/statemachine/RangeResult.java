package dev.kvstore.statemachine;

import java.util.List;

/**
 * The answer to a range read: a consistent cut of the store at {@code revision}.
 *
 * @param kvs      matching entries in key order, at most the requested limit
 * @param count    number of matching entries, returned or not
 * @param more     true when {@code count > kvs.size()}
 * @param revision the store revision the result reflects
 */
public record RangeResult(List<KeyValue> kvs, long count, boolean more, long revision) {
  public RangeResult {
    kvs = List.copyOf(kvs);
  }
}
