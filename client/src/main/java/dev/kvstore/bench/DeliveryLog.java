package dev.kvstore.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a watch-latency run sent and what its watchers received, and the check that every watcher
 * got every change of its key, once. Only puts sent in the measured window (by their stamp) count,
 * in both directions, so warm-up traffic that is still arriving changes nothing; until the window
 * is set (once the watchers are registered and the run's schedule is known) nothing counts. Delivery latency is from the put's send time to
 * the watcher's listener, in microseconds (HdrHistogram, 3 significant digits). Thread-safe: puts
 * are answered and events delivered on any thread.
 */
public final class DeliveryLog {

  private final WatchLayout layout;
  private volatile Window window = new Window(0, 0);
  private final Revisions[] acknowledged;
  private final Revisions[] received;
  private final Recorder latency = new Recorder(3);
  /** What {@link #latency} has taken from the recorder so far; guarded by this. */
  private final Histogram latencyTaken = new Histogram(3);
  private final LongAdder delivered = new LongAdder();
  private final AtomicLong expected = new AtomicLong();

  public DeliveryLog(WatchLayout layout) {
    this.layout = layout;
    this.acknowledged = new Revisions[layout.keys()];
    this.received = new Revisions[layout.watchers()];
    Arrays.setAll(acknowledged, i -> new Revisions());
    Arrays.setAll(received, i -> new Revisions());
  }

  /**
   * Sets the measured window: puts sent from {@code from} (included) to {@code until} (excluded),
   * on the {@link System#nanoTime} scale.
   */
  public void measure(long from, long until) {
    if (until - from < 0) {
      throw new IllegalArgumentException("the window ends before it starts");
    }
    window = new Window(from, until);
  }

  /** First send time measured. */
  public long measureFrom() {
    return window.from();
  }

  /** First send time no longer measured: the end of the run's puts. */
  public long measureUntil() {
    return window.until();
  }

  /** Whether a put sent at {@code sentNanos} is measured. */
  public boolean measured(long sentNanos) {
    Window w = window;
    return sentNanos - w.from() >= 0 && sentNanos - w.until() < 0;
  }

  /** A put to key number {@code key}, sent at {@code sentNanos}, succeeded at {@code revision}. */
  public void acknowledged(int key, long revision, long sentNanos) {
    if (measured(sentNanos)) {
      acknowledged[key].add(revision);
      expected.addAndGet(layout.watchersPerKey());
    }
  }

  /** Watcher number {@code watcher} received the change at {@code revision} sent at {@code sentNanos}. */
  public void delivered(int watcher, long revision, long sentNanos, long receivedNanos) {
    if (measured(sentNanos)) {
      latency.recordValue(Math.max(1, (receivedNanos - sentNanos) / 1000));
      received[watcher].add(revision);
      delivered.increment();
    }
  }

  /** Measured events delivered so far, counting every watcher's copy. */
  public long delivered() {
    return delivered.sum();
  }

  /** Deliveries the acknowledged measured puts call for so far: each put times its key's watchers. */
  public long expected() {
    return expected.get();
  }

  /**
   * Whether every acknowledged measured put has reached all its key's watchers so far. The counts
   * alone cannot say: events of puts whose answer never came (a timeout after the write applied)
   * count as delivered too, so {@link #delivered()} can reach {@link #expected()} while events of
   * acknowledged puts are still on their way. Checks the counts first, then the revisions.
   */
  public boolean acknowledgedAllDelivered() {
    return delivered() >= expected() && check().missed() == 0;
  }

  /**
   * Waits until {@link #acknowledgedAllDelivered()}, at most {@code within}, looking every
   * {@code poll}: the end of a run, once the puts are answered and their events may still be on
   * their way.
   *
   * @return whether every acknowledged change reached its watchers in time
   */
  public boolean awaitAcknowledgedDelivered(Duration within, Duration poll) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!acknowledgedAllDelivered()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(poll.toMillis());
    }
    return true;
  }

  /** Delivery latency of the measured events so far, in microseconds. */
  public synchronized Latency latency() {
    latencyTaken.add(latency.getIntervalHistogram());
    return Latency.of(latencyTaken);
  }

  /**
   * Compares, watcher by watcher, the revisions it received with those of the acknowledged puts to
   * its key. Call once no more deliveries are expected.
   */
  public DeliveryCheck check() {
    long missed = 0;
    long unacknowledged = 0;
    long duplicates = 0;
    long[][] sent = new long[acknowledged.length][];
    for (int key = 0; key < acknowledged.length; key++) {
      sent[key] = acknowledged[key].sorted();
    }
    for (int watcher = 0; watcher < received.length; watcher++) {
      long[] want = sent[layout.keyOf(watcher)];
      long[] got = received[watcher].sorted();
      int i = 0;
      int j = 0;
      while (i < want.length || j < got.length) {
        if (j > 0 && j < got.length && got[j] == got[j - 1]) {
          duplicates++;
          j++;
        } else if (j == got.length || (i < want.length && want[i] < got[j])) {
          missed++;
          i++;
        } else if (i == want.length || got[j] < want[i]) {
          unacknowledged++;
          j++;
        } else {
          i++;
          j++;
        }
      }
    }
    return new DeliveryCheck(expected(), delivered(), missed, unacknowledged, duplicates);
  }

  private record Window(long from, long until) {}

  /** A growing list of revisions, written by one thread at a time and read at the end. */
  private static final class Revisions {
    private long[] values = new long[4];
    private int size;

    synchronized void add(long revision) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = revision;
    }

    synchronized long[] sorted() {
      long[] copy = Arrays.copyOf(values, size);
      Arrays.sort(copy);
      return copy;
    }
  }
}
