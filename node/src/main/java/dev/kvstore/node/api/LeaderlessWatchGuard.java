package dev.kvstore.node.api;

import dev.kvstore.node.raft.LocalMember;
import dev.kvstore.statemachine.WatchCancellation;
import dev.kvstore.statemachine.WatchHub;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the watches of a node that has had no leader for a while. Such a node is usually cut off
 * from the majority: its watches would stay open and silent while the cluster moves on, so their
 * clients are told to watch again (from where they were) on another node, as etcd does for
 * watches that require a leader.
 */
public final class LeaderlessWatchGuard implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LeaderlessWatchGuard.class);
  private static final long CHECK_INTERVAL_MS = 250;

  private final LocalMember member;
  private final WatchHub hub;
  private final long graceNanos;
  private final ScheduledFuture<?> checks;
  private long leaderlessSince = -1;
  private boolean endedThisOutage;

  /** @param grace how long a node may be without a leader (an election) before its watches end */
  public LeaderlessWatchGuard(LocalMember member, WatchHub hub, Duration grace, ScheduledExecutorService scheduler) {
    this.member = member;
    this.hub = hub;
    this.graceNanos = grace.toNanos();
    this.checks = scheduler.scheduleWithFixedDelay(this::check, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS,
        TimeUnit.MILLISECONDS);
  }

  private synchronized void check() {
    boolean hasLeader;
    try {
      hasLeader = member.isRunning() && member.leaderId().isPresent();
    } catch (RuntimeException e) {
      hasLeader = false;
    }
    long now = System.nanoTime();
    if (hasLeader) {
      leaderlessSince = -1;
      endedThisOutage = false;
      return;
    }
    if (leaderlessSince < 0) {
      leaderlessSince = now;
    }
    // New watches may be opened here during the outage too: end them while it lasts.
    if (now - leaderlessSince >= graceNanos && (hub.activeWatches() > 0 || !endedThisOutage)) {
      long seconds = TimeUnit.NANOSECONDS.toSeconds(now - leaderlessSince);
      if (!endedThisOutage) {
        LOG.warn("{}: no leader for {} s; ending {} watches so their clients move to another node", member.id(),
            seconds, hub.activeWatches());
      }
      hub.cancelAll(WatchCancellation.Reason.LEADER_LOST, "node " + member.id() + " has had no leader for "
          + seconds + " s and may be cut off from the cluster; watch again on another node");
      endedThisOutage = true;
    }
  }

  @Override
  public synchronized void close() {
    checks.cancel(false);
  }
}
