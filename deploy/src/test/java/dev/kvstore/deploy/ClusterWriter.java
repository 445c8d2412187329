package dev.kvstore.deploy;

import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded write load for real-process tests: one thread putting {@code prefix + n} (n = 0, 1, ...)
 * through {@code client} until stopped, at most {@code maxWrites} writes and {@code maxTime};
 * remembers each acknowledged key. A write that fails (a member change or a leader move under way)
 * is not acknowledged and the load goes on with the next key.
 */
final class ClusterWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterWriter.class);

  private final List<String> acknowledged = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;
  private int failed;

  ClusterWriter(KvClient client, String prefix, int maxWrites, Duration maxTime) {
    long deadline = System.nanoTime() + maxTime.toNanos();
    thread = new Thread(() -> {
      for (int n = 0; n < maxWrites && !stopped && System.nanoTime() - deadline < 0; n++) {
        String key = prefix + n;
        try {
          client.put(key, "v" + n);
          synchronized (acknowledged) {
            acknowledged.add(key);
          }
        } catch (KvClientException e) {
          synchronized (acknowledged) {
            failed++;
          }
        }
      }
    }, "cluster-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** The keys acknowledged so far. */
  List<String> acknowledged() {
    synchronized (acknowledged) {
      return List.copyOf(acknowledged);
    }
  }

  /** Stops the load and waits for its last write (at most 2 minutes); returns every acknowledged key. */
  List<String> stop() throws InterruptedException {
    stopped = true;
    thread.join(TimeUnit.MINUTES.toMillis(2));
    List<String> keys = acknowledged();
    synchronized (acknowledged) {
      LOG.info("writer stopped: {} writes acknowledged, {} failed", keys.size(), failed);
    }
    return keys;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
