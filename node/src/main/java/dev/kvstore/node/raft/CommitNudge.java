package dev.kvstore.node.raft;

import dev.kvstore.statemachine.AppliedIndex;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until this node has applied a log index that the leader has already committed, and makes
 * that quick on a follower.
 *
 * <p>A follower learns that an entry is committed only from the leader's next append, which
 * carries the leader's commit index. Without Ratis's log-metadata entries (off: see
 * {@link RaftSettings}) an idle leader sends one only with its next heartbeat, half an election
 * timeout later, and a follower answering a write or a linearizable read would wait that long.
 * The leader's {@link CommitBroadcast} sends a heartbeat a few milliseconds after the commit; this
 * is the fallback when that has not arrived (the leader's check was late, or its heartbeat lost
 * with a connection): a wait that has not ended after a grace has the leader append a no-op, whose
 * append carries the commit index at once. One nudge at a time; a wait that began while one was on its
 * way gets another after it (the running one may have left before the index it waits for was
 * committed). Under load the leader's appends flow anyway and no nudge is sent.
 */
public final class CommitNudge {

  private static final Logger LOG = LoggerFactory.getLogger(CommitNudge.class);
  /**
   * How long a wait may last before it nudges, in ms: under load the next append comes sooner, and
   * when idle the leader's {@link CommitBroadcast} (2 ms after its apply) does; a no-op is a log
   * entry, which the fallback should not add to every write on a follower.
   */
  static final long GRACE_MS = 10;

  private final AppliedIndex appliedIndex;
  private final Supplier<CompletableFuture<?>> noOp;
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private boolean nudging;
  private boolean again;

  /**
   * @param noOp appends a no-op through Raft (a read barrier) and completes when it is done
   */
  public CommitNudge(AppliedIndex appliedIndex, Supplier<CompletableFuture<?>> noOp,
      ScheduledExecutorService scheduler) {
    this.appliedIndex = appliedIndex;
    this.noOp = noOp;
    this.scheduler = scheduler;
  }

  /**
   * Completes once this node has applied everything up to {@code index}, which the caller knows
   * to be committed (the leader answered for it). Never completes exceptionally; bound it with a
   * timeout of your own.
   */
  public CompletableFuture<Void> applied(long index) {
    CompletableFuture<Void> reached = appliedIndex.reached(index);
    if (!reached.isDone()) {
      scheduler.schedule(() -> {
        if (!reached.isDone()) {
          nudge();
        }
      }, GRACE_MS, TimeUnit.MILLISECONDS);
    }
    return reached;
  }

  private void nudge() {
    synchronized (lock) {
      if (nudging) {
        again = true;
        return;
      }
      nudging = true;
    }
    CompletableFuture<?> sent;
    try {
      sent = noOp.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ignored, error) -> {
      if (error != null) {
        LOG.debug("commit nudge failed: {}", error.toString());
      }
      boolean next;
      synchronized (lock) {
        nudging = false;
        next = again;
        again = false;
      }
      if (next) {
        nudge();
      }
    });
  }
}
