package dev.kvstore.statemachine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fans committed events out to watches; a watch that starts from a past revision replays it from
 * the store's history ({@link ReadView#changes}), so any node can resume any watch from any revision
 * it has not compacted, as etcd's watchable store does.
 *
 * <p>{@link #publish} runs on the apply thread, after the change is applied. It never blocks on a
 * consumer: it appends to each matching watch's bounded queue and signals it. Finding the matching
 * watches costs O(matches + distinct prefix lengths), whatever the number of watches (see
 * {@link WatchIndex}).
 */
public final class WatchHub {

  private final ReadView history;
  private final int watchQueueCapacity;
  private final StateMachineObserver observer;
  private final Object lock = new Object();
  // All guarded by lock.
  private final WatchIndex watches = new WatchIndex();
  private long publishedRevision;

  /**
   * @param history            the store, whose retained revisions watches replay
   * @param watchQueueCapacity live events one watch may have waiting before it is cancelled
   */
  public WatchHub(ReadView history, int watchQueueCapacity) {
    this(history, watchQueueCapacity, StateMachineObserver.NONE);
  }

  /**
   * As {@link #WatchHub(ReadView, int)}, telling {@code observer} of every watch that ends (see
   * {@link StateMachineObserver#watchEnded}).
   */
  public WatchHub(ReadView history, int watchQueueCapacity, StateMachineObserver observer) {
    if (watchQueueCapacity <= 0) {
      throw new IllegalArgumentException("watchQueueCapacity must be positive");
    }
    this.history = history;
    this.watchQueueCapacity = watchQueueCapacity;
    this.observer = observer;
  }

  /**
   * Registers a watch.
   *
   * @param filter        which keys to follow
   * @param startRevision 0 for changes after now; otherwise the first revision to deliver, replayed
   *                      from the store's history when it is in the past
   * @param onReady       called (possibly on the apply thread, so it must not block) whenever the
   *                      watch may have something new for {@link Watch#poll()}
   * @throws RevisionCompactedException when {@code startRevision} is compacted: it must be above the
   *     store's compacted revision
   */
  public Watch watch(WatchFilter filter, long startRevision, Runnable onReady) throws RevisionCompactedException {
    if (startRevision < 0) {
      throw new IllegalArgumentException("startRevision must be >= 0, got " + startRevision);
    }
    Watch w;
    synchronized (lock) {
      long created = publishedRevision;
      long minRevision = created + 1;
      Watch.Gap replay = null;
      if (startRevision > 0) {
        minRevision = startRevision;
        if (startRevision <= created) {
          long oldest = oldestReplayableRevision();
          if (startRevision < oldest) {
            throw new RevisionCompactedException(startRevision, oldest);
          }
          replay = new Watch.Gap(startRevision, created);
        }
      }
      w = new Watch(this, filter, created, minRevision, watchQueueCapacity, replay, onReady);
      watches.add(w);
    }
    if (startRevision > 0 && startRevision <= w.createdRevision()) {
      w.signal();
    }
    return w;
  }

  /**
   * Delivers the changes of one applied revision, in the order they were made. Called by the apply
   * thread in revision order, after the store shows them.
   */
  void publish(List<Event> events) {
    if (events.isEmpty()) {
      return;
    }
    Set<Watch> ready = new LinkedHashSet<>();
    List<Watch> overflowed = new ArrayList<>();
    synchronized (lock) {
      publishedRevision = events.get(events.size() - 1).revision();
      if (events.size() == 1) {
        for (Watch w : watches.matching(events.get(0).key())) {
          offer(w, w.offer(events.get(0)), ready, overflowed);
        }
      } else {
        // Each watch gets the changes of the revision it matches as one queue entry: a consumer
        // never sees part of a transaction.
        Map<Watch, List<Event>> matched = new LinkedHashMap<>();
        for (Event event : events) {
          for (Watch w : watches.matching(event.key())) {
            matched.computeIfAbsent(w, x -> new ArrayList<>()).add(event);
          }
        }
        matched.forEach((w, changes) -> offer(w, w.offer(changes), ready, overflowed));
      }
    }
    signalAndCancel(ready, overflowed);
  }

  private void offer(Watch w, boolean taken, Set<Watch> ready, List<Watch> overflowed) {
    if (taken) {
      ready.add(w);
    } else {
      watches.remove(w);
      overflowed.add(w);
    }
  }

  /**
   * The revision up to which {@code w} has been given every change it covers, when it has polled
   * everything it was given (then nothing it covers happened between its last event and that
   * revision: what a progress notification tells, as etcd's); -1 while it has not. Called on the
   * watch's consumer thread. For null, the latest revision published.
   */
  public long progress(Watch w) {
    synchronized (lock) {
      return w == null || w.caughtUp() ? publishedRevision : -1;
    }
  }

  /** As {@link #publish(List)} for a revision with one change. */
  void publish(Event event) {
    publish(List.of(event));
  }

  // Signals run outside the lock: they schedule work elsewhere and must not hold up publishing.
  private void signalAndCancel(Collection<Watch> ready, List<Watch> overflowed) {
    ready.forEach(Watch::signal);
    for (Watch w : overflowed) {
      w.cancel(new WatchCancellation(WatchCancellation.Reason.OVERFLOW,
          "the watcher fell more than " + w.capacity() + " events behind and was cancelled"));
    }
  }

  /**
   * The node's state was replaced (a snapshot was loaded) and is now at {@code revision}. Watches
   * go on: each reads the revisions it skipped from the store's history, which the snapshot carries.
   * When that history does not reach back far enough, or the state moved back (which a Raft log
   * never asks for), every watch ends with {@code reason} and {@code message}.
   */
  void reset(long revision, WatchCancellation.Reason reason, String message) {
    List<Watch> ended = List.of();
    Set<Watch> ready = new LinkedHashSet<>();
    List<Watch> overflowed = new ArrayList<>();
    synchronized (lock) {
      long before = publishedRevision;
      publishedRevision = revision;
      if (revision < before || (revision > before && before + 1 < oldestReplayableRevision())) {
        ended = watches.removeAll();
      } else if (revision > before) {
        Watch.Gap skipped = new Watch.Gap(before + 1, revision);
        for (Watch w : watches.all()) {
          if (w.offer(skipped)) {
            ready.add(w);
          } else {
            overflowed.add(w);
          }
        }
        overflowed.forEach(watches::remove);
      }
    }
    endAll(ended, new WatchCancellation(reason, message));
    signalAndCancel(ready, overflowed);
  }

  /** Ends every watch, for shutdown. */
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

  /** The store whose history watches replay. */
  ReadView history() {
    return history;
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

  /** The oldest revision a new watch can start from: the one after the store's compacted revision. */
  public long oldestReplayableRevision() {
    return history.compactedRevision() + 1;
  }

}
