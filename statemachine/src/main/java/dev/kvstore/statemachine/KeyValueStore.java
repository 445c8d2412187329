package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory ordered map behind the state machine, with the store revision.
 *
 * <p>Only the apply thread mutates it. Single-key reads need no lock (one skip-list lookup is
 * atomic); range reads take the read lock so that they see one revision, not a mix of writes
 * that happened while they iterated. A snapshot reads a {@link PointInTimeView} instead, without
 * the lock, so that the apply thread never waits for it.
 */
public final class KeyValueStore implements KvReadView {

  // Swapped whole on reset so that lock-free single-key readers never see a half-loaded map.
  private volatile ConcurrentSkipListMap<String, KeyValue> entries = new ConcurrentSkipListMap<>(KeyOrder.INSTANCE);
  private final ReadWriteLock rangeLock = new ReentrantReadWriteLock();
  private volatile long revision;
  private volatile int size;
  private final AtomicReference<PointInTimeView> openView = new AtomicReference<>();

  @Override
  public long revision() {
    return revision;
  }

  @Override
  public Optional<KeyValue> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public RangeResult range(String prefix, String startAfter, int limit, long maxBytes) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    String from = KeyOrder.INSTANCE.compare(startAfter, prefix) > 0 ? startAfter : prefix;
    boolean inclusive = !from.equals(startAfter) || startAfter.isEmpty();
    rangeLock.readLock().lock();
    try {
      List<KeyValue> page = new ArrayList<>(Math.min(limit, 256));
      long count = 0;
      long bytes = 0;
      boolean full = false;
      for (Map.Entry<String, KeyValue> e : entries.tailMap(from, inclusive).entrySet()) {
        if (!e.getKey().startsWith(prefix)) {
          break;
        }
        KeyValue kv = e.getValue();
        if (!full) {
          long size = kv.encodedSize();
          if (page.size() < limit && (page.isEmpty() || bytes + size <= maxBytes)) {
            page.add(kv);
            bytes += size;
          } else {
            full = true;
          }
        }
        count++;
      }
      return new RangeResult(page, count, count > page.size(), revision);
    } finally {
      rangeLock.readLock().unlock();
    }
  }

  /** Sets {@code key} to {@code value} as the next revision; returns the resulting event. */
  Event put(String key, ByteString value) {
    rangeLock.writeLock().lock();
    try {
      long next = revision + 1;
      KeyValue prev = entries.get(key);
      recordBeforeChange(key, prev);
      KeyValue kv = prev == null
          ? new KeyValue(key, value, next, next, 1)
          : new KeyValue(key, value, prev.createRevision(), next, prev.version() + 1);
      entries.put(key, kv);
      if (prev == null) {
        size++;
      }
      revision = next;
      return Event.put(kv, prev);
    } finally {
      rangeLock.writeLock().unlock();
    }
  }

  /**
   * Removes {@code key}. Deleting an absent key changes nothing and does not consume a revision,
   * as in etcd; the result is then empty.
   */
  Optional<Event> delete(String key) {
    rangeLock.writeLock().lock();
    try {
      KeyValue prev = entries.get(key);
      if (prev == null) {
        return Optional.empty();
      }
      recordBeforeChange(key, prev);
      entries.remove(key);
      size--;
      revision = revision + 1;
      return Optional.of(Event.delete(prev, revision));
    } finally {
      rangeLock.writeLock().unlock();
    }
  }

  /**
   * Replaces the whole content, as when a snapshot is loaded. An open {@link PointInTimeView} stops
   * following the store: it keeps showing the old content, which nothing changes any more.
   *
   * @param kvs entries in strictly ascending key order ({@link KeyOrder}), as snapshots hold them:
   *     the map is then built in one pass instead of by a search per key
   * @throws IllegalArgumentException when {@code kvs} is not in that order
   */
  void reset(List<KeyValue> kvs, long newRevision) {
    ConcurrentSkipListMap<String, KeyValue> loaded = new ConcurrentSkipListMap<>(new SortedKeyValues(kvs));
    rangeLock.writeLock().lock();
    try {
      openView.set(null);
      entries = loaded;
      size = kvs.size();
      revision = newRevision;
    } finally {
      rangeLock.writeLock().unlock();
    }
  }

  /**
   * Opens a view of the store as it is now, which stays exact while the store changes, until it is
   * closed. Call on the apply thread (or while nothing changes the store); cheap: nothing is copied.
   *
   * @throws IllegalStateException when a view is already open
   */
  PointInTimeView freeze() {
    rangeLock.writeLock().lock();
    try {
      PointInTimeView view = new PointInTimeView(this, entries, revision, size);
      if (!openView.compareAndSet(null, view)) {
        throw new IllegalStateException("a view of the store at revision " + openView.get().revision()
            + " is still open; close it first");
      }
      return view;
    } finally {
      rangeLock.writeLock().unlock();
    }
  }

  /** Called by {@link PointInTimeView#close()}: changes are no longer recorded for {@code view}. */
  void release(PointInTimeView view) {
    openView.compareAndSet(view, null);
  }

  // Called before every change of the live map, under the write lock.
  private void recordBeforeChange(String key, KeyValue current) {
    PointInTimeView view = openView.get();
    if (view != null) {
      view.beforeChange(key, current);
    }
  }
}
