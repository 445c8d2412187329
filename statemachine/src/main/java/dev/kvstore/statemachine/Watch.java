package dev.kvstore.statemachine;

import java.util.ArrayDeque;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registered watch: replays retained events from its start revision, then queues live ones.
 *
 * <p>The apply thread only appends to a bounded queue and calls the ready signal, so a slow or
 * vanished consumer can never hold up apply or other watches: when the queue is full the watch is
 * cancelled with {@link WatchCancellation.Reason#OVERFLOW}. One consumer thread at a time calls
 * {@link #poll()}; after the queue is drained, {@link #cancellation()} says whether the watch ended.
 */
public final class Watch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final WatchHub hub;
  private final WatchFilter filter;
  private final long createdRevision;
  private final long minRevision;
  private final int capacity;
  private final Runnable onReady;

  // Consumer-confined replay cursor over the hub's history: [replaySeq, replayEndSeq).
  private long replaySeq;
  private final long replayEndSeq;
  private long lastPolledRevision;

  // Shared with the apply thread; guarded by this.
  private final ArrayDeque<Event> live = new ArrayDeque<>();
  private WatchCancellation cancellation;

  Watch(WatchHub hub, WatchFilter filter, long createdRevision, long minRevision, int capacity,
      long replaySeq, long replayEndSeq, Runnable onReady) {
    this.hub = hub;
    this.filter = filter;
    this.createdRevision = createdRevision;
    this.minRevision = minRevision;
    this.capacity = capacity;
    this.replaySeq = replaySeq;
    this.replayEndSeq = replayEndSeq;
    this.onReady = onReady;
    // A replaying watch starts just before its start revision; a live one after the registration.
    this.lastPolledRevision = replaySeq < replayEndSeq ? minRevision - 1 : Math.max(createdRevision, minRevision - 1);
  }

  public WatchFilter filter() {
    return filter;
  }

  /** The store revision when the watch was registered: live events all have higher revisions. */
  public long createdRevision() {
    return createdRevision;
  }

  /** Revision of the last event returned by {@link #poll()}, or the revision the watch starts after. */
  public long lastPolledRevision() {
    return lastPolledRevision;
  }

  /** The next event in revision order, or null when none is available right now. */
  public Event poll() {
    while (replaySeq < replayEndSeq) {
      Event e = hub.historyAt(replaySeq);
      if (e == null) {
        hub.unregister(this);
        cancel(new WatchCancellation(WatchCancellation.Reason.COMPACTED, "the watch replayed too slowly: revision "
            + (lastPolledRevision + 1) + " left this node's history before it was sent; the oldest revision"
            + " that can be replayed is " + hub.oldestReplayableRevision()));
        replaySeq = replayEndSeq;
        synchronized (this) {
          live.clear();
        }
        break;
      }
      replaySeq++;
      if (e.revision() >= minRevision && filter.matches(e.key())) {
        lastPolledRevision = e.revision();
        return e;
      }
    }
    Event e;
    synchronized (this) {
      e = live.poll();
    }
    if (e != null) {
      lastPolledRevision = e.revision();
    }
    return e;
  }

  /** Why the watch ended, once it has; events queued before the end are still returned by poll. */
  public synchronized Optional<WatchCancellation> cancellation() {
    return Optional.ofNullable(cancellation);
  }


  /** Stops the watch and unregisters it; idempotent. */
  @Override
  public void close() {
    hub.unregister(this);
    cancel(new WatchCancellation(WatchCancellation.Reason.CLOSED, "the watch was closed"));
  }

  /** Called by the hub (apply thread) with a matching event; false when the queue is full. */
  synchronized boolean offer(Event e) {
    if (cancellation != null || e.revision() < minRevision) {
      return true;
    }
    if (live.size() >= capacity) {
      return false;
    }
    live.add(e);
    return true;
  }

  /**
   * Ends the watch with a reason unless it already ended, and wakes the consumer so it learns of
   * the end even when no event will ever come again; returns true when this call ended it.
   */
  boolean cancel(WatchCancellation why) {
    synchronized (this) {
      if (cancellation != null) {
        return false;
      }
      cancellation = why;
    }
    hub.ended(why);
    signal();
    return true;
  }

  int capacity() {
    return capacity;
  }

  /** Runs the consumer's wake-up; never lets it fail the caller, which may be the apply thread. */
  void signal() {
    try {
      onReady.run();
    } catch (RuntimeException e) {
      LOG.warn("watch on {} could not be signalled: {}", filter, e.toString());
    }
  }
}
