package dev.kvstore.failover;

import dev.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client threads of one workload: one thread per client, each repeating the workload's step
 * until {@link #stop}; closing joins them and closes the clients.
 */
final class ClientLoops implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClientLoops.class);
  private static final Duration STOP_LIMIT = Duration.ofSeconds(30);

  /** One iteration of a workload by the client at {@code index}. */
  @FunctionalInterface
  interface Step {
    void run(int index, KvClient client);
  }

  private final String name;
  private final List<KvClient> clients;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped;

  ClientLoops(String name, List<KvClient> clients) {
    this.name = name;
    this.clients = List.copyOf(clients);
    this.stopped = new CountDownLatch(clients.size());
  }

  /**
   * Clients as applications use them: {@code failoverClients} that fail over between all nodes
   * (5 s per request, 1.5 s per attempt), then one pinned to each of {@code nodeEndpoints} (3 s),
   * so that whatever a cut-off, paused or restarted node answers is in the history too. Each is
   * built as {@code access} says (TLS, sign-in).
   */
  static List<KvClient> failoverAndPinned(ClientAccess access, List<String> allEndpoints, List<String> nodeEndpoints,
      int failoverClients) {
    List<KvClient> clients = new ArrayList<>();
    for (int i = 0; i < failoverClients; i++) {
      clients.add(access.builder(allEndpoints)
          .requestTimeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofMillis(1500)).build());
    }
    for (String endpoint : nodeEndpoints) {
      clients.add(access.builder(List.of(endpoint))
          .requestTimeout(Duration.ofSeconds(3)).attemptTimeout(Duration.ofSeconds(3)).build());
    }
    return clients;
  }

  /** Starts one thread per client repeating {@code step} while running. */
  void start(Step step) {
    for (int i = 0; i < clients.size(); i++) {
      int index = i;
      Thread t = new Thread(() -> {
        try {
          while (running.get()) {
            step.run(index, clients.get(index));
          }
        } finally {
          stopped.countDown();
        }
      }, name + index);
      t.start();
      threads.add(t);
    }
  }

  boolean running() {
    return running.get();
  }

  int size() {
    return clients.size();
  }

  /** Sleeps {@code millis} (a think time); an interrupt stops the loops. */
  void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  /** Stops the loops, letting the steps in flight finish (at most 30 s). */
  void stop() throws InterruptedException {
    running.set(false);
    if (!stopped.await(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
      LOG.warn("{} threads still running after {}", name, STOP_LIMIT);
    }
  }

  @Override
  public void close() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(STOP_LIMIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clients.forEach(KvClient::close);
  }
}
