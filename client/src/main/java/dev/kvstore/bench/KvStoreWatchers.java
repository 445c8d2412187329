package dev.kvstore.bench;

import dev.kvstore.api.WatchResponse;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The watchers of a watch-latency run on a kvstore cluster, one {@link KvClient#watch} each
 * (so one gRPC stream each), spread round-robin over the given clients: watcher {@code i} uses
 * client {@code i % clients}. Each event received is handed to the {@link DeliveryLog} with the
 * time it reached the listener. An event whose value carries no send time (a delete, or a write
 * by someone else to the benchmark's keys) is counted as foreign and otherwise ignored.
 */
public final class KvStoreWatchers implements AutoCloseable {

  private final WatchLayout layout;
  private final List<KvClient> clients;
  private final DeliveryLog log;
  private final LongSupplier clock;
  private final List<WatchSubscription> subscriptions = new ArrayList<>();
  private final AtomicInteger ended = new AtomicInteger();
  private final AtomicReference<KvClientException> firstError = new AtomicReference<>();
  private final LongAdder foreign = new LongAdder();

  public KvStoreWatchers(WatchLayout layout, List<KvClient> clients, DeliveryLog log) {
    this(layout, clients, log, System::nanoTime);
  }

  KvStoreWatchers(WatchLayout layout, List<KvClient> clients, DeliveryLog log, LongSupplier clock) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("at least one client is required");
    }
    this.layout = layout;
    this.clients = List.copyOf(clients);
    this.log = log;
    this.clock = clock;
  }

  /** Starts every watcher; they register with their nodes in the background (see {@link #registered}). */
  public void open() {
    for (int i = 0; i < layout.watchers(); i++) {
      int watcher = i;
      String watched = layout.watched(watcher);
      WatchOptions options = layout.prefixWatches() ? WatchOptions.forPrefix(watched) : WatchOptions.forKey(watched);
      WatchListener listener = WatchListener.of(event -> received(watcher, event), this::failed);
      subscriptions.add(clients.get(watcher % clients.size()).watch(options, listener));
    }
  }

  private void received(int watcher, WatchResponse event) {
    long now = clock.getAsLong();
    long sent;
    try {
      sent = StampedValue.sentNanos(event.getKv().getValue());
    } catch (IllegalArgumentException notOurs) {
      foreign.increment();
      return;
    }
    log.delivered(watcher, event.getRevision(), sent, now);
  }

  private void failed(KvClientException error) {
    ended.incrementAndGet();
    firstError.compareAndSet(null, error);
  }

  /** Watchers the server has registered so far (their first response came). */
  public int registered() {
    int n = 0;
    for (WatchSubscription subscription : subscriptions) {
      if (subscription.createdRevision().isPresent()) {
        n++;
      }
    }
    return n;
  }

  /** Watchers that ended for good (a terminal error); they receive nothing more. */
  public int ended() {
    return ended.get();
  }

  /** The error that ended the first watcher that ended, if any did. */
  public Optional<KvClientException> firstError() {
    return Optional.ofNullable(firstError.get());
  }

  /** Events received that carried no send time. */
  public long foreign() {
    return foreign.sum();
  }

  /** Closes every watcher (not the clients). */
  @Override
  public void close() {
    subscriptions.forEach(WatchSubscription::close);
  }
}
