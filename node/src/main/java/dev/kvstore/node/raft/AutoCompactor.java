package dev.kvstore.node.raft;

import dev.kvstore.statemachine.ReadView;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.CompactOp;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's automatic compaction, as etcd's revision and periodic compactors: every check
 * interval, while this node leads, it proposes a compaction through the log once the history
 * exceeds what {@link AutoCompaction} keeps, so that every member compacts at the same revision.
 * Followers only sample. A new leader starts its periodic samples afresh, so a leader change
 * delays periodic compaction by up to one retention period; it never compacts early.
 *
 * <p>In revision mode compactions come in steps of an eighth of the revisions kept (at least one),
 * so that a busy store does not put a compaction into the log at every check; in periodic mode the
 * target moves once per sample, a thousandth of the period (at least a second). One proposal at a time; a failed one
 * (leadership lost, a compaction that raced another) is simply tried again at the next check.
 */
public final class AutoCompactor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);

  private final AutoCompaction rule;
  private final ReadView store;
  private final BooleanSupplier leading;
  private final Function<Command, CompletableFuture<CommandResult>> propose;
  private final LongSupplier nanoTime;
  private final String nodeId;
  // Touched by the scheduler thread only (one check at a time).
  private final ArrayDeque<long[]> samples = new ArrayDeque<>();
  private final long sampleEveryNanos;
  private volatile boolean proposing;
  private ScheduledFuture<?> checks;

  /**
   * @param store    the store whose current and compacted revisions decide
   * @param leading  whether this node leads now (and can propose)
   * @param propose  proposes a command through the log; completes with its result once applied
   * @param nanoTime a monotonic clock in nanoseconds (periodic mode)
   */
  public AutoCompactor(String nodeId, AutoCompaction rule, ReadView store, BooleanSupplier leading,
      Function<Command, CompletableFuture<CommandResult>> propose, LongSupplier nanoTime) {
    this.nodeId = nodeId;
    this.rule = rule;
    this.store = store;
    this.leading = leading;
    this.propose = propose;
    this.nanoTime = nanoTime;
    // About a thousand samples per retention period, and at most one a second.
    this.sampleEveryNanos = Math.max(TimeUnit.SECONDS.toNanos(1), rule.retainedFor().toNanos() / 1000);
  }

  /** Checks every {@code interval} on {@code scheduler} until closed; does nothing when the rule is off. */
  public AutoCompactor start(ScheduledExecutorService scheduler, Duration interval) {
    if (rule.on()) {
      checks = scheduler.scheduleWithFixedDelay(this::check, interval.toNanos(), interval.toNanos(),
          TimeUnit.NANOSECONDS);
      LOG.info("{}: automatic compaction on: {}", nodeId, rule.mode() == AutoCompaction.Mode.REVISION
          ? "keeps the last " + rule.retainedRevisions() + " revisions" : "keeps revisions for " + rule.retainedFor());
    }
    return this;
  }

  /** One check: samples the revision and, when leading and due, proposes a compaction. */
  void check() {
    long current = store.currentRevision();
    long now = nanoTime.getAsLong();
    boolean leads = leading.getAsBoolean();
    if (!leads) {
      // Periodic retention counts from when this node saw a revision as leader: a follower's
      // samples could come from before it caught up.
      samples.clear();
      return;
    }
    if (rule.mode() == AutoCompaction.Mode.PERIODIC
        && (samples.isEmpty() || now - samples.peekLast()[0] >= sampleEveryNanos)) {
      samples.addLast(new long[] {now, current});
    }
    long target = target(current, now);
    long compacted = store.compactedRevision();
    if (proposing || target <= compacted || target - compacted < step()) {
      return;
    }
    proposing = true;
    propose.apply(Command.newBuilder().setCompact(CompactOp.newBuilder().setRevision(target)).build())
        .whenComplete((result, error) -> {
          proposing = false;
          if (error != null) {
            LOG.debug("{}: automatic compaction at revision {} failed, will retry: {}", nodeId, target,
                error.toString());
          } else if (!result.getError().isEmpty()) {
            LOG.debug("{}: automatic compaction at revision {} refused: {}", nodeId, target, result.getError());
          } else {
            LOG.info("{}: compacted at revision {} (current revision {})", nodeId, target, result.getRevision());
          }
        });
  }

  /** The revision the rule wants compacted, or 0 for none yet. */
  private long target(long current, long now) {
    if (rule.mode() == AutoCompaction.Mode.REVISION) {
      return Math.max(0, current - rule.retainedRevisions());
    }
    long cutoff = now - rule.retainedFor().toNanos();
    long target = 0;
    // The newest sample at least one period old: its revision was current a period ago.
    while (!samples.isEmpty() && samples.peekFirst()[0] <= cutoff) {
      target = samples.pollFirst()[1];
    }
    if (target > 0) {
      // Kept as the oldest sample, so the next check still knows it.
      samples.addFirst(new long[] {cutoff, target});
    }
    return target;
  }

  /**
   * Revisions a compaction must move at least: an eighth of what revision mode keeps; any in
   * periodic mode, whose targets move only once per sample (a thousandth of the period) anyway.
   */
  private long step() {
    return rule.mode() == AutoCompaction.Mode.REVISION ? Math.max(1, Math.min(rule.retainedRevisions() / 8, 100_000)) : 1;
  }

  @Override
  public void close() {
    if (checks != null) {
      checks.cancel(false);
    }
  }
}
