package dev.kvstore.statemachine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registered watch: replays past changes from the store's history, then delivers live ones.
 *
 * <p>The apply thread only appends to a bounded queue and calls the ready signal, so a slow or
 * vanished consumer can never hold up apply or other watches: when the queue is full the watch is
 * cancelled with {@link WatchCancellation.Reason#OVERFLOW}. The queue holds revisions (the changes
 * of a transaction are one entry), so its capacity counts revisions. Revisions the watch must read from the
 * store instead (those before it was registered, and those a snapshot installed on this node skipped
 * over) are queued as one {@link Gap} each and read by the consumer in chunks of
 * {@link #REPLAY_CHUNK_REVISIONS}, as etcd's unsynced watchers read the backend. One consumer thread
 * at a time calls {@link #poll()}; after the queue is drained, {@link #cancellation()} says whether
 * the watch ended.
 */
public final class Watch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);
  /** Revisions read from the store at a time while replaying: bounds the events held per watch. */
  public static final int REPLAY_CHUNK_REVISIONS = 64;

  /** Revisions [from, to] to read from the store's history. */
  record Gap(long from, long to) {}

  private final WatchHub hub;
  private final WatchFilter filter;
  private final long createdRevision;
  private final long minRevision;
  private final int capacity;
  private final Runnable onReady;

  // Consumer-confined: the gap being replayed ([gapNext, gapEnd]), the chunk read from it (or the
  // changes of one revision taken from the queue), and an event read ahead by pollRevision.
  private long gapNext = 1;
  private long gapEnd;
  private Iterator<Event> replayed = Collections.emptyIterator();
  private Event lookahead;
  private long lastPolledRevision;

  // Shared with the apply thread; guarded by this. Holds, in revision order, an Event (a revision
  // with one change), an Event[] (a revision with several) or a Gap.
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private WatchCancellation cancellation;

  /**
   * @param replay the revisions before registration to read from the store first, or null
   */
  Watch(WatchHub hub, WatchFilter filter, long createdRevision, long minRevision, int capacity, Gap replay,
      Runnable onReady) {
    this.hub = hub;
    this.filter = filter;
    this.createdRevision = createdRevision;
    this.minRevision = minRevision;
    this.capacity = capacity;
    this.onReady = onReady;
    if (replay != null) {
      queue.add(replay);
    }
    // A replaying watch starts just before its start revision; a live one after the registration.
    this.lastPolledRevision = replay != null ? minRevision - 1 : Math.max(createdRevision, minRevision - 1);
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
    Event e = lookahead != null ? lookahead : next();
    lookahead = null;
    if (e != null) {
      lastPolledRevision = e.revision();
    }
    return e;
  }

  /**
   * Every change of the next revision, in the order they were made, or an empty list when none is
   * available right now: the changes of one revision (a transaction) are never split over two calls.
   */
  public List<Event> pollRevision() {
    Event first = poll();
    if (first == null) {
      return List.of();
    }
    List<Event> changes = new ArrayList<>();
    changes.add(first);
    // A revision's changes are queued, and replayed, together: when the first is here, all are.
    for (Event e; (e = next()) != null; ) {
      if (e.revision() != first.revision()) {
        lookahead = e;
        break;
      }
      changes.add(e);
    }
    return changes;
  }

  /**
   * Whether everything this watch was given has been polled. Consumer thread only; the hub reads
   * it with its own lock held to tell a caught-up watch's progress ({@link WatchHub#progress}).
   */
  boolean caughtUp() {
    if (lookahead != null || replayed.hasNext() || gapNext <= gapEnd) {
      return false;
    }
    synchronized (this) {
      return queue.isEmpty();
    }
  }

  private Event next() {
    while (true) {
      while (replayed.hasNext()) {
        Event e = replayed.next();
        if (e.revision() >= minRevision && filter.matches(e.key())) {
          return e;
        }
      }
      if (gapNext <= gapEnd) {
        if (!readChunk()) {
          return null;
        }
        continue;
      }
      Object next;
      synchronized (this) {
        next = queue.poll();
      }
      if (next == null) {
        return null;
      }
      if (next instanceof Gap gap) {
        gapNext = gap.from();
        gapEnd = gap.to();
      } else if (next instanceof Event[] changes) {
        replayed = Arrays.asList(changes).iterator();
      } else {
        return (Event) next;
      }
    }
  }

  /** Reads the next chunk of the gap from the store; false when the store no longer has it (the watch ends). */
  private boolean readChunk() {
    long to = Math.min(gapEnd, gapNext + REPLAY_CHUNK_REVISIONS - 1);
    try {
      List<Event> events = hub.history().changes(gapNext, to);
      gapNext = to + 1;
      replayed = events.iterator();
      return true;
    } catch (RevisionUnavailableException e) {
      hub.unregister(this);
      cancel(new WatchCancellation(WatchCancellation.Reason.COMPACTED, "the watch replayed too slowly: revision "
          + gapNext + " was compacted on this node before it was sent; the oldest revision that can be replayed is "
          + hub.oldestReplayableRevision()));
      gapNext = gapEnd + 1;
      synchronized (this) {
        queue.clear();
      }
      return false;
    }
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

  /**
   * Called by the hub (apply thread) with a matching event; false when the queue is full. Events at
   * or before the registration are left out: the watch reads those from the store.
   */
  synchronized boolean offer(Event e) {
    if (cancellation != null || e.revision() <= createdRevision || e.revision() < minRevision) {
      return true;
    }
    return enqueue(e);
  }

  /**
   * Called by the hub (apply thread) with the matching changes of one revision, as one queue entry;
   * false when the queue is full.
   */
  synchronized boolean offer(List<Event> changes) {
    long revision = changes.get(0).revision();
    if (cancellation != null || revision <= createdRevision || revision < minRevision) {
      return true;
    }
    return enqueue(changes.size() == 1 ? changes.get(0) : changes.toArray(new Event[0]));
  }

  /** Called by the hub (apply thread) with revisions to read from the store; false when the queue is full. */
  synchronized boolean offer(Gap gap) {
    if (cancellation != null || gap.to() < minRevision) {
      return true;
    }
    return enqueue(gap);
  }

  private boolean enqueue(Object item) {
    if (queue.size() >= capacity) {
      return false;
    }
    queue.add(item);
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
