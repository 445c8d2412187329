package dev.kvstore.statemachine;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * A list of key-values already in key order, seen as the {@link SortedMap} that
 * {@link java.util.concurrent.ConcurrentSkipListMap#ConcurrentSkipListMap(SortedMap)} builds from
 * in one linear pass (no search per key: loading a million keys from a snapshot takes a fraction
 * of the time of a million puts). That constructor trusts the order, so the walk checks it and
 * fails on the first key that does not sort strictly after the one before.
 *
 * <p>Only what the constructor uses is supported: {@link #comparator()}, {@link #entrySet()} and
 * {@link #size()}; the range views throw {@link UnsupportedOperationException}.
 */
final class SortedKeyValues extends AbstractMap<String, KeyValue> implements SortedMap<String, KeyValue> {

  private final List<KeyValue> kvs;

  /** @param kvs key-values in strictly ascending {@link KeyOrder}; checked while walked */
  SortedKeyValues(List<KeyValue> kvs) {
    this.kvs = kvs;
  }

  @Override
  public Comparator<? super String> comparator() {
    return KeyOrder.INSTANCE;
  }

  @Override
  public int size() {
    return kvs.size();
  }

  /** @throws IllegalArgumentException from the iterator at the first key out of order */
  @Override
  public Set<Map.Entry<String, KeyValue>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, KeyValue>> iterator() {
        Iterator<KeyValue> it = kvs.iterator();
        return new Iterator<>() {
          private String previous;

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Map.Entry<String, KeyValue> next() {
            KeyValue kv = it.next();
            if (previous != null && KeyOrder.INSTANCE.compare(previous, kv.key()) >= 0) {
              throw new IllegalArgumentException("key-values are not in strictly ascending key order: \""
                  + kv.key() + "\" comes after \"" + previous + "\"");
            }
            previous = kv.key();
            return new SimpleImmutableEntry<>(kv.key(), kv);
          }
        };
      }

      @Override
      public int size() {
        return kvs.size();
      }
    };
  }

  @Override
  public SortedMap<String, KeyValue> subMap(String fromKey, String toKey) {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public SortedMap<String, KeyValue> headMap(String toKey) {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public SortedMap<String, KeyValue> tailMap(String fromKey) {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public String firstKey() {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public String lastKey() {
    throw new UnsupportedOperationException("a load-only view");
  }
}
