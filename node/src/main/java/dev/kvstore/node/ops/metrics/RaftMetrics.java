package dev.kvstore.node.ops.metrics;

import dev.kvstore.api.MemberRole;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Raft gauges, read from a {@link RaftStatus} and the node's {@link Queues} at each scrape (nothing
 * is computed between scrapes). Names and meanings: docs/metrics.md.
 */
public final class RaftMetrics implements MeterBinder {

  /**
   * The queues in front of Raft on this node, each read at a scrape.
   *
   * @param proposalsInFlight  log entries (command batches) proposed through Raft and not answered yet
   * @param commandsQueued     commands waiting for a batch to leave in (every batch slot is taken)
   * @param readRoundsInFlight linearizable-read rounds (no-ops through the log) running now
   * @param readsQueued        linearizable reads waiting for a round to start (every slot is taken)
   */
  public record Queues(IntSupplier proposalsInFlight, IntSupplier commandsQueued, IntSupplier readRoundsInFlight,
      IntSupplier readsQueued) {}

  private static final MemberRole[] ROLES = {MemberRole.LEADER, MemberRole.FOLLOWER, MemberRole.CANDIDATE,
      MemberRole.LISTENER};

  private final RaftStatus status;
  private final Queues queues;

  RaftMetrics(RaftStatus status, Queues queues) {
    this.status = status;
    this.queues = queues;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (MemberRole role : ROLES) {
      Gauge.builder("kvstore.raft.role", () -> isRole(role))
          .tag("role", role.name().toLowerCase(Locale.ROOT))
          .description("1 for this node's current Raft role, 0 for the others")
          .register(registry);
    }
    Gauge.builder("kvstore.raft.leader.known", () -> read(() -> status.leaderId().isPresent() ? 1 : 0))
        .description("1 when this node knows a leader (itself included), else 0")
        .register(registry);
    gauge(registry, "kvstore.raft.term", status::term, null, "Current Raft term");
    gauge(registry, "kvstore.raft.commit.index", status::commitIndex, null, "Index of the last committed log entry");
    gauge(registry, "kvstore.raft.applied.index", status::appliedIndex, null,
        "Index of the last log entry applied to this node's state machine");
    gauge(registry, "kvstore.raft.snapshot.index", status::snapshotIndex, null,
        "Log index covered by the latest snapshot, -1 when there is none");
    gauge(registry, "kvstore.raft.log.entries", status::logEntries, null,
        "Entries held in the Raft log, not yet purged behind a snapshot");
    gauge(registry, "kvstore.raft.log.size", status::logBytes, "bytes", "Size of the Raft log segment files on disk");
    gauge(registry, "kvstore.snapshot.size", status::snapshotBytes, "bytes", "Size of the latest snapshot on disk");
    queue(registry, "kvstore.raft.proposals.pending", queues.proposalsInFlight(),
        "Log entries (command batches) proposed through Raft by this node and not answered yet");
    queue(registry, "kvstore.commands.queued", queues.commandsQueued(),
        "Commands (writes, read-round no-ops) waiting for a batch to leave in");
    queue(registry, "kvstore.read.rounds.pending", queues.readRoundsInFlight(),
        "Linearizable-read rounds (no-ops through the log) running now");
    queue(registry, "kvstore.reads.queued", queues.readsQueued(), "Linearizable reads waiting for a read round to start");
  }

  private double isRole(MemberRole role) {
    return read(() -> status.role() == role ? 1 : 0);
  }

  private static void queue(MeterRegistry registry, String name, IntSupplier size, String description) {
    Gauge.builder(name, size::getAsInt).description(description).register(registry);
  }

  private void gauge(MeterRegistry registry, String name, LongSupplier value, String unit, String description) {
    Gauge.builder(name, () -> read(value)).baseUnit(unit).description(description).register(registry);
  }

  /** NaN while the member is stopped or stopping: its state is gone, not zero. */
  private double read(LongSupplier value) {
    try {
      return status.isRunning() ? value.getAsLong() : Double.NaN;
    } catch (RuntimeException stopping) {
      return Double.NaN;
    }
  }
}
