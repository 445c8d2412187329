package dev.kvstore.statemachine;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;

/**
 * A list of versions in key order, and within a key in revision order (as snapshots hold them),
 * seen as the {@link SortedMap} from each key to its versions that
 * {@link java.util.concurrent.ConcurrentSkipListMap#ConcurrentSkipListMap(SortedMap)} builds from in
 * one linear pass (no search per key: loading a million keys from a snapshot takes a fraction of the
 * time of a million puts). A key's value is its only version itself, or an array of two or more, as
 * {@link MvccStore} keeps them. That constructor trusts the order, so the walk checks it and fails
 * on the first version out of order.
 *
 * <p>Only what the constructor uses is supported: {@link #comparator()}, {@link #entrySet()} and
 * {@link #size()}; the range views throw {@link UnsupportedOperationException}. The walk also counts
 * what the store needs to know of what it loaded: {@link #liveKeys()} and {@link #keysWithHistory()}.
 */
final class SortedVersions extends AbstractMap<String, Object> implements SortedMap<String, Object> {

  private final List<KeyValue> versions;
  private final long revision;
  private int liveKeys;
  private final List<String> keysWithHistory = new ArrayList<>();

  /**
   * @param versions in key order ({@link KeyOrder}), then in ascending revision, none above
   *                 {@code revision}; checked while walked
   */
  SortedVersions(List<KeyValue> versions, long revision) {
    this.versions = versions;
    this.revision = revision;
  }

  /** Keys whose newest version is not a deletion; complete once the walk has ended. */
  int liveKeys() {
    return liveKeys;
  }

  /** Keys with more than one version, or a deletion as their only one; complete once the walk has ended. */
  List<String> keysWithHistory() {
    return keysWithHistory;
  }

  @Override
  public Comparator<? super String> comparator() {
    return KeyOrder.INSTANCE;
  }

  /** The number of keys; counted on each call (the map constructor does not ask). */
  @Override
  public int size() {
    int keys = 0;
    for (int i = 0; i < versions.size(); i++) {
      if (i == 0 || !versions.get(i).key().equals(versions.get(i - 1).key())) {
        keys++;
      }
    }
    return keys;
  }

  /**
   * @throws IllegalArgumentException from the iterator at the first version out of order or above
   *     the revision
   */
  @Override
  public Set<Map.Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < versions.size();
          }

          @Override
          public Map.Entry<String, Object> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int first = next;
            KeyValue head = versions.get(first);
            requireAtMostRevision(head);
            if (first > 0 && KeyOrder.INSTANCE.compare(versions.get(first - 1).key(), head.key()) >= 0) {
              throw new IllegalArgumentException("versions are not in ascending key order: \"" + head.key()
                  + "\" comes after \"" + versions.get(first - 1).key() + "\"");
            }
            next++;
            while (next < versions.size() && versions.get(next).key().equals(head.key())) {
              requireAtMostRevision(versions.get(next));
              if (versions.get(next).modRevision() <= versions.get(next - 1).modRevision()) {
                throw new IllegalArgumentException("the versions of \"" + head.key() + "\" are not in ascending"
                    + " revision order: " + versions.get(next).modRevision() + " comes after "
                    + versions.get(next - 1).modRevision());
              }
              next++;
            }
            KeyValue newest = versions.get(next - 1);
            if (!MvccStore.isTombstone(newest)) {
              liveKeys++;
            }
            Object value;
            if (next - first == 1) {
              value = head;
              if (MvccStore.isTombstone(head)) {
                keysWithHistory.add(head.key());
              }
            } else {
              value = versions.subList(first, next).toArray(new KeyValue[0]);
              keysWithHistory.add(head.key());
            }
            return new SimpleImmutableEntry<>(head.key(), value);
          }
        };
      }

      @Override
      public int size() {
        return SortedVersions.this.size();
      }
    };
  }

  private void requireAtMostRevision(KeyValue kv) {
    if (kv.modRevision() > revision) {
      throw new IllegalArgumentException("\"" + kv.key() + "\" has a version at revision " + kv.modRevision()
          + ", above the store's revision " + revision);
    }
  }

  @Override
  public SortedMap<String, Object> subMap(String fromKey, String toKey) {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public SortedMap<String, Object> headMap(String toKey) {
    throw new UnsupportedOperationException("a load-only view");
  }

  @Override
  public SortedMap<String, Object> tailMap(String fromKey) {
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
