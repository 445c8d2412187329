package dev.kvstore.scale;

import dev.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Has every node take snapshots through {@code Maintenance.Snapshot}, one thread per node, until
 * closed: all nodes start one at once, as they do when their automatic snapshots come due together
 * (the same threshold on every node), so the leader and the follower a commit needs are both
 * writing one; each node starts its next one {@code every} after the last started (or at once when
 * that one took longer).
 */
final class SnapshotLoop implements AutoCloseable {

  /** After a failed request, so that a node that refuses does not get a tight loop of them. */
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(1);
  /** Longer than any snapshot request may take (the client's request timeout bounds each). */
  private static final Duration JOIN_WITHIN = Duration.ofMinutes(3);

  /**
   * What the loop did.
   *
   * @param taken snapshots the nodes answered, all nodes together
   * @param millis how long each took to answer, in the order they ended
   * @param failures failed requests by what they said
   */
  record Summary(int taken, List<Long> millis, Map<String, Integer> failures) {

    long medianMillis() {
      List<Long> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    long maxMillis() {
      return millis.stream().mapToLong(Long::longValue).max().orElse(0);
    }
  }

  private final KvClient client;
  private final List<Thread> threads = new ArrayList<>();
  private final List<Long> millis = new ArrayList<>();
  private final Map<String, Integer> failures = new TreeMap<>();
  private volatile boolean running = true;

  /**
   * Starts a thread per endpoint.
   *
   * @param client whose request timeout bounds each snapshot (and so how long {@link #close} waits)
   */
  SnapshotLoop(KvClient client, List<String> endpoints, Duration every) {
    this.client = client;
    for (String endpoint : endpoints) {
      Thread thread = new Thread(() -> snapshotUntilClosed(endpoint, every), "snapshots-" + endpoint);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  private void snapshotUntilClosed(String endpoint, Duration every) {
    while (running) {
      long started = System.nanoTime();
      long pause;
      try {
        client.snapshot(endpoint);
        long took = System.nanoTime() - started;
        synchronized (this) {
          millis.add(took / 1_000_000);
        }
        pause = every.toNanos() - took;
      } catch (RuntimeException e) {
        synchronized (this) {
          failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
        }
        pause = AFTER_FAILURE.toNanos();
      }
      try {
        // Closing interrupts the pause, not a snapshot in progress.
        while (running && pause > 0) {
          long step = Math.min(pause, TimeUnit.MILLISECONDS.toNanos(100));
          TimeUnit.NANOSECONDS.sleep(step);
          pause -= step;
        }
      } catch (InterruptedException interrupted) {
        return;
      }
    }
  }

  /** Stops asking and waits for the snapshots in progress to answer (each within the client's timeout). */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(JOIN_WITHIN.toMillis());
      thread.interrupt();
    }
  }

  synchronized Summary summary() {
    return new Summary(millis.size(), List.copyOf(millis), Map.copyOf(failures));
  }
}
