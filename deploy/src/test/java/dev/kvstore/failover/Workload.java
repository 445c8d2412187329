package dev.kvstore.failover;

import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.EventType;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.failover.history.HistoryRecorder;
import dev.kvstore.failover.history.OpType;
import dev.kvstore.failover.history.WatchEvent;
import dev.kvstore.failover.store.TxnForm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concurrent clients reading, writing and deleting a few keys while faults happen, every operation
 * recorded (invoke, then ok / fail / unknown) for the checkers, plus watchers whose events are kept.
 *
 * <p>Some clients fail over between all nodes, as applications do; others are pinned to one node
 * each, so that whatever a cut-off, paused or restarted node answers is in the history too.
 * Written values are unique, which the linearizability checker relies on.
 */
final class Workload implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Workload.class);

  private final String keyPrefix;
  private final List<String> keys;
  private final HistoryRecorder recorder;
  private final RecordedStoreCalls calls;
  private final List<KvClient> clients = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, List<WatchEvent>> watchEvents = new LinkedHashMap<>();
  private final List<WatchSubscription> watches = new ArrayList<>();
  private final List<String> watchErrors = new CopyOnWriteArrayList<>();
  private final List<String> recentErrors = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final int workers;
  private final CountDownLatch stopped;
  private final long seed;

  /**
   * @param keyPrefix      prefix of this run's keys, so each run starts from absent keys; this
   *                       workload's keys are under {@code keyPrefix + "reg/"}
   * @param access         how its clients and watchers connect (TLS, sign-in)
   * @param allEndpoints   every node, for the failing-over clients and the watchers
   * @param nodeEndpoints  one endpoint per node, each gets a pinned client
   * @param failoverClients how many clients fail over between all nodes
   * @param recorder       the per-key register history (the linearizability checker's)
   * @param calls          records every call in the whole store's history too
   */
  Workload(String keyPrefix, ClientAccess access, List<String> allEndpoints, List<String> nodeEndpoints,
      int failoverClients, HistoryRecorder recorder, RecordedStoreCalls calls, long seed) {
    this.keyPrefix = keyPrefix + "reg/";
    this.keys = List.of(this.keyPrefix + "a", this.keyPrefix + "b", this.keyPrefix + "c");
    this.recorder = recorder;
    this.calls = calls;
    this.seed = seed;
    clients.addAll(ClientLoops.failoverAndPinned(access, allEndpoints, nodeEndpoints, failoverClients));
    this.workers = clients.size();
    this.stopped = new CountDownLatch(workers);
    for (int w = 0; w < 2; w++) {
      List<WatchEvent> events = new CopyOnWriteArrayList<>();
      String name = "watcher-" + w;
      watchEvents.put(name, events);
      KvClient watchClient = access.builder(allEndpoints).build();
      clients.add(watchClient);
      watches.add(watchClient.watch(WatchOptions.forPrefix(this.keyPrefix), WatchListener.of(
          response -> events.add(toEvent(response)),
          error -> watchErrors.add(name + ": " + error.getMessage()))));
    }
  }

  void start() throws InterruptedException {
    for (WatchSubscription w : watches) {
      if (!w.awaitCreated(Duration.ofSeconds(30))) {
        throw new IllegalStateException("watch not established within 30s");
      }
    }
    for (int p = 0; p < workers; p++) {
      int process = p;
      Thread t = new Thread(() -> loop(process), "workload-" + keyPrefix + process);
      t.start();
      threads.add(t);
    }
  }

  private void loop(int process) {
    KvClient client = clients.get(process);
    Random random = new Random(seed * 31 + process);
    long sequence = 0;
    try {
      while (running.get()) {
        String key = keys.get(random.nextInt(keys.size()));
        int dice = random.nextInt(100);
        if (dice < 45) {
          write(process, client, key, "p" + process + "-" + (++sequence));
        } else if (dice < 55) {
          delete(process, client, key);
        } else {
          read(process, client, key);
        }
        pace(random);
      }
    } finally {
      stopped.countDown();
    }
  }

  /** A short think time keeps two cores from drowning in client threads. */
  private void pace(Random random) {
    try {
      Thread.sleep(10 + random.nextInt(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  private void write(int process, KvClient client, String key, String value) {
    try {
      writeOrThrow(process, client, key, value);
    } catch (KvClientException e) {
      // recorded as failed or unknown
    }
  }

  /** A write recorded like any other; the failure is rethrown for callers that check it. */
  void writeOrThrow(int process, KvClient client, String key, String value) {
    long op = recorder.invoke(process, OpType.WRITE, key, value);
    try {
      PutResponse r = calls.call(process, TxnForm.put(key, value), () -> client.put(key, value), TxnForm::of);
      recorder.ok(op, null, r.getHeader().getRevision());
    } catch (KvClientException e) {
      record(op, e);
      throw e;
    }
  }

  private void delete(int process, KvClient client, String key) {
    long op = recorder.invoke(process, OpType.DELETE, key, null);
    try {
      DeleteResponse r = calls.call(process, TxnForm.delete(key), () -> client.delete(key), TxnForm::of);
      // Deleting an absent key changes nothing and answers with the store's current revision, which
      // another workload's change may have made: no watcher of this prefix gets an event there.
      recorder.ok(op, null, r.getDeleted() > 0 ? r.getHeader().getRevision() : 0);
    } catch (KvClientException e) {
      record(op, e);
    }
  }

  private void read(int process, KvClient client, String key) {
    try {
      readOrThrow(process, client, key);
    } catch (KvClientException e) {
      // recorded as failed; a failed read constrains nothing
    }
  }

  /** A linearizable read, recorded like any other operation; the value, or null when absent. */
  Optional<String> readOrThrow(int process, KvClient client, String key) {
    long op = recorder.invoke(process, OpType.READ, key, null);
    try {
      GetResponse r = calls.call(process, TxnForm.get(key), () -> client.get(key), TxnForm::of);
      String value = r.getFound() ? r.getValue().toStringUtf8() : null;
      recorder.ok(op, value, r.getFound() ? r.getKv().getModRevision() : 0);
      return Optional.ofNullable(value);
    } catch (KvClientException e) {
      remember(e);
      recorder.fail(op);
      throw e;
    }
  }

  /** The most recent client errors, newest last, for diagnosing a run that made no progress. */
  List<String> recentErrors() {
    return List.copyOf(recentErrors);
  }

  private void remember(KvClientException e) {
    recentErrors.add(Thread.currentThread().getName() + ": " + e.getMessage());
    while (recentErrors.size() > 30) {
      recentErrors.remove(0);
    }
  }

  private void record(long op, KvClientException e) {
    remember(e);
    if (e.outcomeUnknown()) {
      recorder.unknown(op);
    } else {
      recorder.fail(op);
    }
  }

  private static WatchEvent toEvent(WatchResponse r) {
    return r.getType() == EventType.DELETE
        ? WatchEvent.delete(r.getKey(), r.getRevision())
        : WatchEvent.put(r.getKey(), r.getValue().toStringUtf8(), r.getRevision());
  }

  List<String> keys() {
    return keys;
  }

  /** Stops the clients (letting operations in flight finish) but keeps the watchers running. */
  void stopClients() throws InterruptedException {
    running.set(false);
    if (!stopped.await(30, TimeUnit.SECONDS)) {
      LOG.warn("workload threads still running after 30s");
    }
  }

  Map<String, List<WatchEvent>> watchEvents() {
    Map<String, List<WatchEvent>> copy = new LinkedHashMap<>();
    watchEvents.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }

  List<String> watchErrors() {
    return List.copyOf(watchErrors);
  }

  @Override
  public void close() {
    running.set(false);
    watches.forEach(WatchSubscription::close);
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clients.forEach(KvClient::close);
  }
}
