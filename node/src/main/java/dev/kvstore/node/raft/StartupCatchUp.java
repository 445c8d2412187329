package dev.kvstore.node.raft;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node has caught up with the leader at least once since it started: it has applied
 * every entry the leader had committed at some moment after the start (one {@link ReadBarrier}
 * passed). Until then its replicated state is only what it has replayed so far, which may predate
 * changes the cluster made long ago. A restarted node applies its log again only as the leader
 * tells it the commit index (kvstore keeps Ratis's log-metadata entries off), so for seconds, and
 * under load for tens of seconds, it held an auth state with authentication off in a cluster that
 * had it on, took every caller for anonymous, and proposed their writes with no user; the leader
 * refused them at apply, but a retry of a write already applied then got a definite refusal
 * (the failover suite's secure scenario, 2026-12-01: a write reported failed, and applied).
 * {@code Authentication} refuses calls while this is false and the local auth state says off.
 *
 * <p>Once true it stays true: after that, the node follows the log like any member.
 */
public final class StartupCatchUp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StartupCatchUp.class);

  private final String nodeId;
  private final Function<Duration, CompletableFuture<Long>> barrier;
  private final Duration attemptTimeout;
  private final AtomicBoolean attempting = new AtomicBoolean();
  private volatile boolean caughtUp;
  private volatile ScheduledFuture<?> attempts;

  /**
   * @param barrier        passes a read barrier within the given time: completes with the read
   *                       index once this node has applied it (in the node: {@link ReadBarrier#await})
   * @param attemptTimeout how long one attempt may take before the next one starts
   */
  public StartupCatchUp(String nodeId, Function<Duration, CompletableFuture<Long>> barrier, Duration attemptTimeout) {
    this.nodeId = nodeId;
    this.barrier = barrier;
    this.attemptTimeout = attemptTimeout;
  }

  /** Tries every {@code interval} on {@code scheduler}, one attempt at a time, until one passes. */
  public StartupCatchUp start(ScheduledExecutorService scheduler, Duration interval) {
    attempts = scheduler.scheduleWithFixedDelay(this::attempt, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  /** Whether a read barrier has passed on this node since it started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** One attempt, unless one is under way or the node has caught up already. */
  void attempt() {
    if (caughtUp || !attempting.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Long> passed;
    try {
      passed = barrier.apply(attemptTimeout);
    } catch (RuntimeException e) {
      attempting.set(false);
      return;
    }
    passed.whenComplete((index, error) -> {
      attempting.set(false);
      if (error == null && !caughtUp) {
        caughtUp = true;
        LOG.info("{}: caught up with the leader since it started (applied index {})", nodeId, index);
        close();
      }
    });
  }

  @Override
  public void close() {
    ScheduledFuture<?> scheduled = attempts;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }
}
