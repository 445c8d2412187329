package dev.kvstore.statemachine;

import java.util.ArrayList;
import java.util.List;

/**
 * Fans committed events out to watches and keeps recent history so that a watch can start from a
 * past revision (to resume without a gap after a reconnect).
 *
 * <p>{@link #publish} runs on the apply thread, after the change is applied. It never blocks on a
 * consumer: it appends to each matching watch's bounded queue and signals it. Finding the matching
 * watches costs O(matches + distinct prefix lengths), whatever the number of watches (see
 * {@link WatchIndex}).
 */
public final class WatchHub {

  private final int watchQueueCapacity;
  private final StateMachineObserver observer;
  private final Object lock = new Object();
  // All guarded by lock.
  private final EventHistory history;
  private final WatchIndex watches = new WatchIndex();
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
      watches.add(w);
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
      for (Watch w : watches.matching(event.key())) {
        if (w.offer(event)) {
          ready.add(w);
        } else {
          watches.remove(w);
          overflowed.add(w);
        }
      }
    }
    // Signals run outside the lock: they schedule work elsewhere and must not hold up publishing.
    ready.forEach(Watch::signal);
    for (Watch w : overflowed) {
      w.cancel(new WatchCancellation(WatchCancellation.Reason.OVERFLOW,
          "the watcher fell more than " + w.capacity() + " events behind and was cancelled"));
    }
  }

  /**
   * Ends every watch and restarts history at {@code revision}: the node's state was replaced (a
   * snapshot was installed), so events in between were never seen here.
   */
  void reset(long revision, WatchCancellation.Reason reason, String message) {
    List<Watch> ended;
    synchronized (lock) {
      ended = watches.removeAll();
      history.reset(revision);
      publishedRevision = revision;
    }
    endAll(ended, new WatchCancellation(reason, message));
  }

  /** Ends every watch, for shutdown. History is kept. */
  public void cancelAll(WatchCancellation.Reason reason, String message) {
    List<Watch> ended;
    synchronized (lock) {
      ended = watches.removeAll();
    }
    endAll(ended, new WatchCancellation(reason, message));
  }

  private static void endAll(List<Watch> ended, WatchCancellation why) {
    for (Watch w : ended) {
      w.cancel(why);
    }
  }

  /** Called once by each watch as it ends, whoever ended it. */
  void ended(WatchCancellation why) {
    observer.watchEnded(why.reason());
  }

  void unregister(Watch w) {
    synchronized (lock) {
      watches.remove(w);
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
      return watches.size();
    }
  }

  /** Number of distinct keys with at least one exact watch; for leak checks. */
  int watchedKeys() {
    synchronized (lock) {
      return watches.watchedKeys();
    }
  }

  /** Number of distinct prefixes with at least one prefix watch; for leak checks. */
  int watchedPrefixes() {
    synchronized (lock) {
      return watches.watchedPrefixes();
    }
  }

  /** The oldest revision a new watch can start from. */
  public long oldestReplayableRevision() {
    synchronized (lock) {
      return history.oldestReplayableRevision();
    }
  }

}
