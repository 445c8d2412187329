package dev.kvstore.statemachine;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The store's key-values exactly as they were at one revision, readable on any thread while the
 * apply thread goes on changing the store: what a snapshot is written from without stopping
 * applies (the consistent view sofa-jraft's {@code CounterStateMachine.onSnapshotSave} captures
 * before writing on another thread, kept here per key instead of as a copy of the whole store).
 *
 * <p>It is an undo log over the live map. {@link KeyValueStore#freeze()} opens it on the apply
 * thread at revision R. Until it is closed, the apply thread calls {@link #beforeChange} before it
 * first changes a key after R, recording the key's value at R (or that it was absent); later
 * changes of the same key record nothing. A reader walks the live map in key order and, for each
 * key, returns the recorded value when there is one and the live value otherwise; keys that
 * existed at R but were deleted from the live map before the walk reached them are recorded, and
 * are merged in at their place in key order.
 *
 * <p>Why a reader can trust a live value that has no record: the walk reads the value before it
 * looks for a record, and the apply thread records before it changes the map. Had the value been
 * written after R, its write (and so the record made before it) would have happened before the
 * read, and the look-up after the read would find the record. Why no key of R is lost: a key the
 * walk passed over without seeing it was removed from the map before the walk got there, so its
 * record was made before that too, and the merge looks for records between two live keys only
 * after the walk has reached the second. Records are made only for the first change, so what is
 * returned for a key is its value at R, each key once, in key order: the same sequence a walk of
 * the store at R would give.
 *
 * <p>Memory: one record per distinct key changed while the view is open, holding the old value
 * (which the store would otherwise have dropped). Only one view can be open at a time.
 */
final class PointInTimeView implements AutoCloseable {

  private final KeyValueStore store;
  private final ConcurrentSkipListMap<String, KeyValue> live;
  private final long revision;
  private final int size;
  /** Key to its value at {@link #revision}; empty when it did not exist then. */
  private final ConcurrentSkipListMap<String, Optional<KeyValue>> atRevision =
      new ConcurrentSkipListMap<>(KeyOrder.INSTANCE);
  private volatile boolean closed;

  PointInTimeView(KeyValueStore store, ConcurrentSkipListMap<String, KeyValue> live, long revision, int size) {
    this.store = store;
    this.live = live;
    this.revision = revision;
    this.size = size;
  }

  /** The store revision the view shows. */
  long revision() {
    return revision;
  }

  /** Number of keys at {@link #revision()}. */
  int size() {
    return size;
  }

  /** Number of distinct keys changed since the view was opened: the size of the undo log. */
  int changedKeys() {
    return atRevision.size();
  }

  /**
   * Called by the apply thread before it changes {@code key} in the live map, with the key's
   * current entry (null when absent). Only the first call for a key counts: that is its value at
   * the view's revision.
   */
  void beforeChange(String key, KeyValue current) {
    atRevision.putIfAbsent(key, Optional.ofNullable(current));
  }

  /**
   * The key-values at {@link #revision()} in key order; any thread, as often as needed while the
   * view is open.
   *
   * @throws IllegalStateException from the iterator once the view is closed: the store no longer
   *     records changes for it, so what it would return could be wrong
   */
  Iterator<KeyValue> entries() {
    return new Walk();
  }

  /** Stops recording changes; the view can no longer be read. Idempotent, any thread. */
  @Override
  public void close() {
    closed = true;
    store.release(this);
  }

  private final class Walk implements Iterator<KeyValue> {

    private final Iterator<Map.Entry<String, KeyValue>> liveWalk = live.entrySet().iterator();
    private final ArrayDeque<KeyValue> ready = new ArrayDeque<>();
    /** The last live key the walk reached; records after it are not merged in yet. Null before the first. */
    private String reached;
    private boolean liveDone;

    @Override
    public boolean hasNext() {
      while (ready.isEmpty() && !liveDone) {
        step();
      }
      return !ready.isEmpty();
    }

    @Override
    public KeyValue next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void step() {
      if (!liveWalk.hasNext()) {
        mergeDeletedBefore(null);
        liveDone = true;
      } else {
        Map.Entry<String, KeyValue> e = liveWalk.next();
        // The live value is read (by next() above) before the record is looked up: see the class comment.
        mergeDeletedBefore(e.getKey());
        Optional<KeyValue> recorded = atRevision.get(e.getKey());
        KeyValue value = recorded == null ? e.getValue() : recorded.orElse(null);
        if (value != null) {
          ready.add(value);
        }
        reached = e.getKey();
      }
      // Checked after reading: whatever was read before the view closed is still right.
      if (closed) {
        throw new IllegalStateException("the view at revision " + revision + " was closed while being read");
      }
    }

    /** Queues the recorded keys after {@link #reached} and before {@code bound} (null: no bound) that existed at the revision. */
    private void mergeDeletedBefore(String bound) {
      for (Map.Entry<String, Optional<KeyValue>> r = higher(reached);
           r != null && (bound == null || KeyOrder.INSTANCE.compare(r.getKey(), bound) < 0);
           r = atRevision.higherEntry(r.getKey())) {
        r.getValue().ifPresent(ready::add);
      }
    }

    private Map.Entry<String, Optional<KeyValue>> higher(String key) {
      return key == null ? atRevision.firstEntry() : atRevision.higherEntry(key);
    }
  }
}
