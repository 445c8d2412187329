package dev.kvstore.node.ops.metrics;

import dev.kvstore.statemachine.MvccStore;
import dev.kvstore.statemachine.StateMachineObserver;
import dev.kvstore.statemachine.WatchCancellation;
import dev.kvstore.statemachine.WatchHub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The state machine's metrics: snapshot durations, watch cancellations and leader changes as they
 * happen (through {@link StateMachineObserver} and the state machine's leader listener, on the
 * thread doing the work, so each is one timer or counter update with meters built up front), and
 * the store and watch gauges read at each scrape.
 */
final class StateMachineMetrics implements StateMachineObserver {

  /** Snapshot durations from a small store (ms) to a large one on a slow disk (a minute). */
  private static final Duration[] SNAPSHOT_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60)};

  private final MeterRegistry registry;
  private final Timer taken;
  private final Timer loaded;
  private final Counter[] cancelled = new Counter[WatchCancellation.Reason.values().length];
  private final Counter leaderChanges;

  StateMachineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.taken = snapshotTimer("kvstore.snapshot.take", "Time to write a snapshot to disk (fsync, rename, checksum)");
    this.loaded = snapshotTimer("kvstore.snapshot.load",
        "Time to verify and read a snapshot, at start or after the leader installed one");
    for (WatchCancellation.Reason reason : WatchCancellation.Reason.values()) {
      cancelled[reason.ordinal()] = Counter.builder("kvstore.watchers.cancelled")
          .tag("reason", reason.name().toLowerCase(Locale.ROOT))
          .description("Watches ended, by reason (closed: by the watcher; the others: by this node)")
          .register(registry);
    }
    this.leaderChanges = Counter.builder("kvstore.raft.leader.changes")
        .description("New leaders this node learned of (itself included), since it started")
        .register(registry);
  }

  /** Registers the gauges that read the state machine's store and watch hub at each scrape. */
  void gaugeState(MvccStore store, WatchHub hub) {
    Gauge.builder("kvstore.watchers.active", hub::activeWatches)
        .description("Watches registered on this node")
        .register(registry);
    Gauge.builder("kvstore.store.keys", store::size)
        .description("Keys stored, as applied on this node")
        .register(registry);
    Gauge.builder("kvstore.store.revision", store::revision)
        .description("Store revision (writes applied so far), as applied on this node")
        .register(registry);
    Gauge.builder("kvstore.store.compacted.revision", store::compactedRevision)
        .description("Oldest revision still readable and watchable from (the compacted one; watches start after it)")
        .register(registry);
  }

  @Override
  public void snapshotTaken(long bytes, long durationNanos) {
    taken.record(durationNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void snapshotLoaded(long bytes, long durationNanos) {
    loaded.record(durationNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void watchEnded(WatchCancellation.Reason reason) {
    cancelled[reason.ordinal()].increment();
  }

  /** Counts one new leader (see KvStateMachine#addLeaderListener). */
  void leaderChanged() {
    leaderChanges.increment();
  }

  private Timer snapshotTimer(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(SNAPSHOT_BUCKETS).register(registry);
  }
}
