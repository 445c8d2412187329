package dev.kvstore.node.raft;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader: replaces the connection to a follower that has not answered for a while.
 *
 * <p>Why: a TCP connection that outlives a network partition is still open as far as gRPC knows,
 * and TCP resends on it only at exponentially backed-off intervals (up to 2 minutes). So after the
 * partition heals, a follower may not hear from the leader for about as long as the partition
 * lasted. Ratis 3.3.0 keeps that connection: on errors it only resets the connect backoff, which
 * does nothing for a connection that never failed. A new connection reaches the follower as soon
 * as its network is back (etcd's peer connections get the same effect from their read timeout).
 * The failover suite saw a follower healed after 16 s of isolation wait 11 s for the leader.
 *
 * <p>A follower silent for longer than the threshold gets a new connection, then another each
 * threshold while it stays silent. Renewing a connection is always safe: the leader's log appender
 * fails over to the new one and resends what the follower has not acknowledged.
 */
public final class StalledFollowerLinks implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StalledFollowerLinks.class);

  private final String nodeId;
  private final Supplier<Map<RaftPeerId, Long>> silences;
  private final Consumer<RaftPeerId> renew;
  private final long thresholdMs;
  private final LongSupplier clockMs;
  /** When each follower's connection was last renewed (clockMs), while it has stayed silent. */
  private final Map<RaftPeerId, Long> renewedAt = new HashMap<>();
  private ScheduledFuture<?> checks;

  /**
   * @param silences  while this node leads: each follower and the time since it last answered, in
   *                  ms (in the node: {@link LocalMember#followerSilences}); empty otherwise
   * @param renew     replaces the connection to a follower
   * @param threshold how long a follower may be silent before its connection is renewed (in the
   *                  node: four election timeouts, well above the heartbeat interval)
   * @param clockMs   a monotonic clock in ms
   */
  public StalledFollowerLinks(String nodeId, Supplier<Map<RaftPeerId, Long>> silences, Consumer<RaftPeerId> renew,
      Duration threshold, LongSupplier clockMs) {
    this.nodeId = nodeId;
    this.silences = silences;
    this.renew = renew;
    this.thresholdMs = threshold.toMillis();
    this.clockMs = clockMs;
  }

  /** Checks every quarter threshold on {@code scheduler} until {@link #close}. */
  public StalledFollowerLinks start(ScheduledExecutorService scheduler) {
    long interval = Math.max(1, thresholdMs / 4);
    checks = scheduler.scheduleWithFixedDelay(this::checkQuietly, interval, interval, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Renews the connections of followers silent for longer than the threshold; one pass. */
  synchronized void check() {
    Map<RaftPeerId, Long> now = silences.get();
    renewedAt.keySet().retainAll(now.keySet());
    long time = clockMs.getAsLong();
    for (Map.Entry<RaftPeerId, Long> follower : now.entrySet()) {
      RaftPeerId id = follower.getKey();
      long silentMs = follower.getValue();
      Long renewed = renewedAt.get(id);
      if (silentMs <= thresholdMs) {
        if (renewed != null) {
          LOG.info("{}: follower {} answers again", nodeId, id);
          renewedAt.remove(id);
        }
        continue;
      }
      if (renewed != null && time - renewed < thresholdMs) {
        continue;
      }
      if (renewed == null) {
        LOG.info("{}: follower {} silent for {} ms; connecting to it anew (again every {} ms while it stays silent)",
            nodeId, id, silentMs, thresholdMs);
      }
      renew.accept(id);
      renewedAt.put(id, time);
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      // A node that is stopping or just lost leadership: the next pass sees where things stand.
      LOG.debug("{}: stalled-follower check failed: {}", nodeId, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (checks != null) {
      checks.cancel(false);
    }
  }
}
