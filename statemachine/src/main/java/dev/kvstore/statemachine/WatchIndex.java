package dev.kvstore.statemachine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The registered watches, indexed so that finding those an event's key matches costs
 * O(matching watches + distinct prefix lengths), not O(all watches): exact-key watches in a hash
 * map by key; prefix watches in a hash map by prefix, with the set of prefix lengths in use, so a
 * key is looked up once per length (at most its own length) rather than compared with every
 * prefix. As etcd's {@code watcherGroup} (server/storage/mvcc/watcher_group.go) keeps single-key
 * watchers in a map and range watchers apart (there in an interval tree; a prefix is the range
 * that the by-length lookup covers without one). Interval watches, rarer, are kept in a list that
 * every event checks: O(interval watches) per event.
 *
 * <p>An index entry lives only while a watch uses it: removing the last watch of a key, a prefix
 * or a prefix length removes that entry, so watch-and-cancel cycles leave nothing behind. Watches
 * of one key (or one prefix) keep their registration order. Not thread-safe: {@link WatchHub}
 * guards it.
 */
final class WatchIndex {

  private final Map<String, Set<Watch>> byKey = new HashMap<>();
  private final Map<String, Set<Watch>> byPrefix = new HashMap<>();
  /** Length of a registered prefix (in chars) -> how many distinct prefixes have it. */
  private final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();
  private final Set<Watch> intervals = new LinkedHashSet<>();
  private int size;

  void add(Watch w) {
    WatchFilter filter = w.filter();
    if (filter.range().kind() == KeyRange.Kind.INTERVAL) {
      if (intervals.add(w)) {
        size++;
      }
      return;
    }
    Map<String, Set<Watch>> map = filter.prefix() ? byPrefix : byKey;
    Set<Watch> watches = map.get(filter.key());
    if (watches == null) {
      watches = new LinkedHashSet<>();
      map.put(filter.key(), watches);
      if (filter.prefix()) {
        prefixLengths.merge(filter.key().length(), 1, Integer::sum);
      }
    }
    if (watches.add(w)) {
      size++;
    }
  }

  /** Removes {@code w}; false when it was not registered (removed before, or never added). */
  boolean remove(Watch w) {
    WatchFilter filter = w.filter();
    if (filter.range().kind() == KeyRange.Kind.INTERVAL) {
      if (!intervals.remove(w)) {
        return false;
      }
      size--;
      return true;
    }
    Map<String, Set<Watch>> map = filter.prefix() ? byPrefix : byKey;
    Set<Watch> watches = map.get(filter.key());
    if (watches == null || !watches.remove(w)) {
      return false;
    }
    size--;
    if (watches.isEmpty()) {
      map.remove(filter.key());
      if (filter.prefix()) {
        prefixLengths.computeIfPresent(filter.key().length(), (length, n) -> n == 1 ? null : n - 1);
      }
    }
    return true;
  }

  /**
   * The watches whose filter matches {@code key}: its exact watches first, then the watches of
   * each registered prefix of it, shortest prefix first, then the interval watches; each watch once.
   */
  List<Watch> matching(String key) {
    List<Watch> matches = new ArrayList<>();
    Set<Watch> exact = byKey.get(key);
    if (exact != null) {
      matches.addAll(exact);
    }
    // Only the lengths some prefix has, and none longer than the key: usually one or two lookups.
    for (int length : prefixLengths.headMap(key.length(), true).keySet()) {
      Set<Watch> watches = byPrefix.get(key.substring(0, length));
      if (watches != null) {
        matches.addAll(watches);
      }
    }
    for (Watch w : intervals) {
      if (w.filter().matches(key)) {
        matches.add(w);
      }
    }
    return matches;
  }

  /** Every registered watch. */
  List<Watch> all() {
    List<Watch> all = new ArrayList<>(size);
    byKey.values().forEach(all::addAll);
    byPrefix.values().forEach(all::addAll);
    all.addAll(intervals);
    return all;
  }

  /** Removes every watch and returns them. */
  List<Watch> removeAll() {
    List<Watch> all = all();
    byKey.clear();
    byPrefix.clear();
    prefixLengths.clear();
    intervals.clear();
    size = 0;
    return all;
  }

  /** Registered watches. */
  int size() {
    return size;
  }

  /** Distinct keys with at least one exact watch. */
  int watchedKeys() {
    return byKey.size();
  }

  /** Distinct prefixes with at least one prefix watch. */
  int watchedPrefixes() {
    return byPrefix.size();
  }

  /** Distinct lengths among the watched prefixes: the lookups a published event costs at most. */
  int prefixLengths() {
    return prefixLengths.size();
  }
}
