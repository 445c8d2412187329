package dev.kvstore.statemachine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fans committed events out to watches and keeps recent history so that a watch can start from a
 * past revision (to resume without a gap after a reconnect).
 *
 * <p>{@link #publish} runs on the apply thread, after the change is applied. It never blocks on a
 * consumer: it appends to each matching watch's bounded queue and signals it.
 */
public final class WatchHub {

  private final int watchQueueCapacity;
  private final StateMachineObserver observer;
  private final Object lock = new Object();
  // All guarded by lock.
  private final EventHistory history;
  private final Map<String, Set<Watch>> exactWatches = new HashMap<>();
  private final Set<Watch> prefixWatches = new LinkedHashSet<>();
  private long publishedRevision;

  /**
   * @param historyEvents      events kept for replay (count bound)
   * @param historyBytes       events kept for replay (approximate byte bound)
   * @param watchQueueCapacity live events one watch may have waiting before it is cancelled
   */
  public WatchHub(int historyEvents, long historyBytes, int watchQueueCapacity) {
    this(historyEvents, historyBytes, watchQueueCapacity, StateMachineObserver.NONE);
  }

  /**
   * As {@link #WatchHub(int, long, int)}, telling {@code observer} of every watch that ends (see
   * {@link StateMachineObserver#watchEnded}).
   */
  public WatchHub(int historyEvents, long historyBytes, int watchQueueCapacity, StateMachineObserver observer) {
    if (watchQueueCapacity <= 0) {
      throw new IllegalArgumentException("watchQueueCapacity must be positive");
    }
    this.history = new EventHistory(historyEvents, historyBytes);
    this.watchQueueCapacity = watchQueueCapacity;
    this.observer = observer;
  }

  /**
   * Registers a watch.
   *
   * @param filter        which keys to follow
   * @param startRevision 0 for changes after now; otherwise the first revision to deliver, replayed
   *                      from history when it is in the past
   * @param onReady       called (possibly on the apply thread, so it must not block) whenever the
   *                      watch may have something new for {@link Watch#poll()}
   * @throws RevisionCompactedException when {@code startRevision} is older than the retained history
   */
  public Watch watch(WatchFilter filter, long startRevision, Runnable onReady) throws RevisionCompactedException {
    if (startRevision < 0) {
      throw new IllegalArgumentException("startRevision must be >= 0, got " + startRevision);
    }
    Watch w;
    synchronized (lock) {
      long created = publishedRevision;
      long replayFrom = history.nextSeq();
      long minRevision = created + 1;
      if (startRevision > 0) {
        minRevision = startRevision;
        if (startRevision <= created) {
          if (startRevision < history.oldestReplayableRevision()) {
            throw new RevisionCompactedException(startRevision, history.oldestReplayableRevision());
          }
          replayFrom = history.seqOf(startRevision);
        }
      }
      w = new Watch(this, filter, created, minRevision, watchQueueCapacity, replayFrom, history.nextSeq(), onReady);
      if (filter.prefix()) {
        prefixWatches.add(w);
      } else {
        exactWatches.computeIfAbsent(filter.key(), k -> new LinkedHashSet<>()).add(w);
      }
    }
    if (startRevision > 0 && startRevision <= w.createdRevision()) {
      w.signal();
    }
    return w;
  }

  /** Delivers one applied change. Called by the apply thread in revision order. */
  void publish(Event event) {
    List<Watch> ready = new ArrayList<>();
    List<Watch> overflowed = new ArrayList<>();
    synchronized (lock) {
      history.add(event);
      publishedRevision = event.revision();
      Set<Watch> exact = exactWatches.get(event.key());
      if (exact != null) {
        offerAll(exact, event, ready, overflowed);
      }
      if (!prefixWatches.isEmpty()) {
        offerAll(prefixWatches, event, ready, overflowed);
      }
    }
    // Signals run outside the lock: they schedule work elsewhere and must not hold up publishing.
    ready.forEach(Watch::signal);
    for (Watch w : overflowed) {
      w.cancel(new WatchCancellation(WatchCancellation.Reason.OVERFLOW,
          "the watcher fell more than " + w.capacity() + " events behind and was cancelled"));
    }
  }

  private void offerAll(Set<Watch> watches, Event event, List<Watch> ready, List<Watch> overflowed) {
    for (var it = watches.iterator(); it.hasNext(); ) {
      Watch w = it.next();
      if (!w.filter().matches(event.key())) {
        continue;
      }
      if (!w.offer(event)) {
        it.remove();
        dropIfEmpty(w.filter());
        overflowed.add(w);
      } else {
        ready.add(w);
      }
    }
  }

  /**
   * Ends every watch and restarts history at {@code revision}: the node's state was replaced (a
   * snapshot was installed), so events in between were never seen here.
   */
  void reset(long revision, WatchCancellation.Reason reason, String message) {
    List<Watch> ended;
    synchronized (lock) {
      ended = removeAllLocked();
      history.reset(revision);
      publishedRevision = revision;
    }
    endAll(ended, new WatchCancellation(reason, message));
  }

  /** Ends every watch, for shutdown. History is kept. */
  public void cancelAll(WatchCancellation.Reason reason, String message) {
    List<Watch> ended;
    synchronized (lock) {
      ended = removeAllLocked();
    }
    endAll(ended, new WatchCancellation(reason, message));
  }

  private List<Watch> removeAllLocked() {
    List<Watch> all = new ArrayList<>(prefixWatches);
    exactWatches.values().forEach(all::addAll);
    prefixWatches.clear();
    exactWatches.clear();
    return all;
  }

  private static void endAll(List<Watch> watches, WatchCancellation why) {
    for (Watch w : watches) {
      w.cancel(why);
    }
  }

  /** Called once by each watch as it ends, whoever ended it. */
  void ended(WatchCancellation why) {
    observer.watchEnded(why.reason());
  }

  void unregister(Watch w) {
    synchronized (lock) {
      if (w.filter().prefix()) {
        prefixWatches.remove(w);
      } else {
        Set<Watch> set = exactWatches.get(w.filter().key());
        if (set != null && set.remove(w) && set.isEmpty()) {
          exactWatches.remove(w.filter().key());
        }
      }
    }
  }

  private void dropIfEmpty(WatchFilter filter) {
    if (!filter.prefix()) {
      Set<Watch> set = exactWatches.get(filter.key());
      if (set != null && set.isEmpty()) {
        exactWatches.remove(filter.key());
      }
    }
  }

  /** The retained event at {@code seq}, or null when history has already dropped it. */
  Event historyAt(long seq) {
    synchronized (lock) {
      return seq < history.firstSeq() ? null : history.at(seq);
    }
  }

  /** Number of registered watches (ended ones are not counted). */
  public int activeWatches() {
    synchronized (lock) {
      int n = prefixWatches.size();
      for (Set<Watch> set : exactWatches.values()) {
        n += set.size();
      }
      return n;
    }
  }

  /** Number of distinct keys with at least one exact watch; for leak checks. */
  int watchedKeys() {
    synchronized (lock) {
      return exactWatches.size();
    }
  }

  /** The oldest revision a new watch can start from. */
  public long oldestReplayableRevision() {
    synchronized (lock) {
      return history.oldestReplayableRevision();
    }
  }

}
