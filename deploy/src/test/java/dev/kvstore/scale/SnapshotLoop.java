package dev.kvstore.scale;

import dev.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Has every node take snapshots through {@code Maintenance.Snapshot}, back to back, one thread per
 * node, until closed: all nodes snapshot at once, as they do when their automatic snapshots come
 * due together (the same threshold on every node), so the leader and the follower a commit needs
 * are both writing one.
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
  SnapshotLoop(KvClient client, List<String> endpoints) {
    this.client = client;
    for (String endpoint : endpoints) {
      Thread thread = new Thread(() -> snapshotUntilClosed(endpoint), "snapshots-" + endpoint);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  private void snapshotUntilClosed(String endpoint) {
    while (running) {
      long started = System.nanoTime();
      try {
        client.snapshot(endpoint);
        synchronized (this) {
          millis.add((System.nanoTime() - started) / 1_000_000);
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
        }
        try {
          Thread.sleep(AFTER_FAILURE.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
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
