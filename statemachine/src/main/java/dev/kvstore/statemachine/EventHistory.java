package dev.kvstore.statemachine;

import java.util.Arrays;

/**
 * The most recent committed events in revision order, bounded by count and by bytes, addressed by
 * an absolute sequence number so that readers can tell when the ring has overwritten their place.
 * Not thread-safe: {@link WatchHub} guards it.
 */
final class EventHistory {

  private final Event[] ring;
  private final long maxBytes;
  private long firstSeq;
  private long nextSeq;
  private long bytes;
  /** Lowest revision whose events are all still here (or that is yet to come). */
  private long oldestReplayableRevision = 1;

  EventHistory(int maxEvents, long maxBytes) {
    if (maxEvents <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("history bounds must be positive");
    }
    this.ring = new Event[maxEvents];
    this.maxBytes = maxBytes;
  }

  void add(Event event) {
    if (nextSeq - firstSeq == ring.length) {
      evictOldest();
    }
    ring[(int) (nextSeq % ring.length)] = event;
    nextSeq++;
    bytes += sizeOf(event);
    while (bytes > maxBytes && nextSeq - firstSeq > 1) {
      evictOldest();
    }
  }

  private void evictOldest() {
    int slot = (int) (firstSeq % ring.length);
    Event evicted = ring[slot];
    ring[slot] = null;
    firstSeq++;
    bytes -= sizeOf(evicted);
    oldestReplayableRevision = evicted.revision() + 1;
  }

  /** Forgets everything; the next event will have a revision above {@code revision}. */
  void reset(long revision) {
    Arrays.fill(ring, null);
    firstSeq = nextSeq;
    bytes = 0;
    oldestReplayableRevision = revision + 1;
  }

  long firstSeq() {
    return firstSeq;
  }

  long nextSeq() {
    return nextSeq;
  }

  Event at(long seq) {
    if (seq < firstSeq || seq >= nextSeq) {
      throw new IndexOutOfBoundsException("seq " + seq + " not in [" + firstSeq + ", " + nextSeq + ")");
    }
    return ring[(int) (seq % ring.length)];
  }

  /** Sequence number of the first retained event with a revision at or above {@code revision}. */
  long seqOf(long revision) {
    long lo = firstSeq;
    long hi = nextSeq;
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      if (at(mid).revision() < revision) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  long oldestReplayableRevision() {
    return oldestReplayableRevision;
  }

  private static long sizeOf(Event e) {
    return 48L + e.kv().approximateSize() + (e.prevKv() == null ? 0 : e.prevKv().approximateSize());
  }
}
