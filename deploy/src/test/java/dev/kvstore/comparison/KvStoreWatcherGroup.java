package dev.kvstore.comparison;

import dev.kvstore.bench.KvStoreWatchers;
import java.util.Optional;

/** kvstore's side of a watch-latency comparison: the client's own {@link KvStoreWatchers}. */
final class KvStoreWatcherGroup implements WatcherGroup {

  private final KvStoreWatchers watchers;

  KvStoreWatcherGroup(KvStoreWatchers watchers) {
    this.watchers = watchers;
  }

  @Override
  public void open() {
    watchers.open();
  }

  @Override
  public int registered() {
    return watchers.registered();
  }

  @Override
  public int ended() {
    return watchers.ended();
  }

  @Override
  public Optional<String> firstError() {
    return watchers.firstError().map(Throwable::getMessage);
  }

  @Override
  public long foreign() {
    return watchers.foreign();
  }

  @Override
  public void close() {
    watchers.close();
  }
}
