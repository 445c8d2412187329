package dev.kvstore.comparison;

import com.google.protobuf.ByteString;
import dev.kvstore.bench.DeliveryLog;
import dev.kvstore.bench.StampedValue;
import dev.kvstore.bench.WatchLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The watchers of a watch-latency run on etcd, the counterpart of the client's
 * {@code KvStoreWatchers}: one jetcd watcher per watcher of the {@link WatchLayout}, on one
 * jetcd {@link Watch} client (connected to the watch node only), each event handed to the
 * {@link DeliveryLog} with the time it reached the listener. A watcher counts as registered when
 * etcd's created notification arrives.
 */
final class EtcdWatchers implements WatcherGroup {

  private final WatchLayout layout;
  private final Watch watch;
  private final DeliveryLog log;
  private final List<Watch.Watcher> watchers = new ArrayList<>();
  private final AtomicIntegerArray created;
  private final AtomicInteger registered = new AtomicInteger();
  private final AtomicInteger ended = new AtomicInteger();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final LongAdder foreign = new LongAdder();

  EtcdWatchers(WatchLayout layout, Watch watch, DeliveryLog log) {
    this.layout = layout;
    this.watch = watch;
    this.log = log;
    this.created = new AtomicIntegerArray(layout.watchers());
  }

  @Override
  public void open() {
    for (int i = 0; i < layout.watchers(); i++) {
      int watcher = i;
      ByteSequence watched = ByteSequence.from(layout.watched(watcher), StandardCharsets.UTF_8);
      WatchOption option = WatchOption.builder().withCreateNotify(true).isPrefix(layout.prefixWatches()).build();
      watchers.add(watch.watch(watched, option,
          Watch.listener(response -> received(watcher, response), this::failed)));
    }
  }

  private void received(int watcher, WatchResponse response) {
    long now = System.nanoTime();
    if (response.isCreatedNotify()) {
      if (created.compareAndSet(watcher, 0, 1)) {
        registered.incrementAndGet();
      }
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      if (event.getEventType() != WatchEvent.EventType.PUT) {
        foreign.increment();
        continue;
      }
      long sent;
      try {
        sent = StampedValue.sentNanos(ByteString.copyFrom(event.getKeyValue().getValue().getBytes()));
      } catch (IllegalArgumentException notOurs) {
        foreign.increment();
        continue;
      }
      log.delivered(watcher, event.getKeyValue().getModRevision(), sent, now);
    }
  }

  private void failed(Throwable error) {
    ended.incrementAndGet();
    firstError.compareAndSet(null, error.toString());
  }

  @Override
  public int registered() {
    return registered.get();
  }

  @Override
  public int ended() {
    return ended.get();
  }

  @Override
  public Optional<String> firstError() {
    return Optional.ofNullable(firstError.get());
  }

  @Override
  public long foreign() {
    return foreign.sum();
  }

  @Override
  public void close() {
    watchers.forEach(Watch.Watcher::close);
  }
}
