package dev.kvstore.node.raft;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out that this node is not a member of the cluster it believes in: started with a stale or
 * wrong {@code --peers} list (e.g. as a member of a "new" cluster that never added it), or removed
 * while it was away. Such a node never hears from a leader; pre-vote keeps it from disturbing the
 * cluster, but it would wait forever without saying why. So once it has known no leader for a while,
 * it asks the members of its own configuration for theirs (Ratis group info, as
 * {@code Maintenance.Status} does), and when one of them leads with a configuration that does not
 * name this node, reports why ({@code refused}), once. Only a leader's answer counts: a follower's
 * configuration may lag. Thread-safe.
 */
public final class OutsideConfigurationCheck {

  private static final Logger LOG = LoggerFactory.getLogger(OutsideConfigurationCheck.class);

  /** Group info of one peer; blocking, throws when the peer does not answer. */
  public interface GroupInfoCall {
    GroupInfoReply info(RaftPeer peer) throws Exception;
  }

  private final LocalMember member;
  private final GroupInfoCall groupInfo;
  private final long leaderlessNanos;
  private final LongSupplier nanoClock;
  private final Executor blockingCalls;
  private final Consumer<String> refused;
  private final AtomicBoolean asking = new AtomicBoolean();
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile long leaderSeenAt;

  /**
   * @param leaderlessNanos how long without a leader before the node asks (a few election timeouts)
   * @param refused         told once, with the reason, when a leader's configuration leaves this node out
   */
  public OutsideConfigurationCheck(LocalMember member, GroupInfoCall groupInfo, long leaderlessNanos,
      LongSupplier nanoClock, Executor blockingCalls, Consumer<String> refused) {
    this.member = member;
    this.groupInfo = groupInfo;
    this.leaderlessNanos = leaderlessNanos;
    this.nanoClock = nanoClock;
    this.blockingCalls = blockingCalls;
    this.refused = refused;
    this.leaderSeenAt = nanoClock.getAsLong();
  }

  /** Checks every {@code periodMs}; cancel the returned future to stop. */
  public ScheduledFuture<?> start(ScheduledExecutorService scheduler, long periodMs) {
    return scheduler.scheduleWithFixedDelay(this::check, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  void check() {
    try {
      if (done.get() || !member.isRunning()) {
        return;
      }
      long now = nanoClock.getAsLong();
      if (member.leaderId().isPresent()) {
        leaderSeenAt = now;
        return;
      }
      if (now - leaderSeenAt < leaderlessNanos || !asking.compareAndSet(false, true)) {
        return;
      }
      List<RaftPeer> others = member.peersForRatisClients().stream()
          .filter(peer -> !peer.getId().equals(member.peerId()))
          .toList();
      blockingCalls.execute(() -> {
        try {
          others.forEach(this::ask);
        } finally {
          asking.set(false);
        }
      });
    } catch (RuntimeException stopping) {
      // The server is going away under us.
    }
  }

  private void ask(RaftPeer peer) {
    if (done.get()) {
      return;
    }
    GroupInfoReply info;
    try {
      info = groupInfo.info(peer);
    } catch (Exception unreachable) {
      LOG.debug("{}: {} did not say whether it leads: {}", member.id(), peer.getId(), unreachable.toString());
      return;
    }
    if (!info.getRoleInfoProto().hasLeaderInfo()) {
      return;
    }
    List<String> ids = info.getGroup().getPeers().stream().map(p -> p.getId().toString()).sorted().toList();
    if (ids.contains(member.id()) || !done.compareAndSet(false, true)) {
      return;
    }
    refused.accept("node " + member.id() + " is not a member of the cluster: its leader " + peer.getId()
        + " has the members " + ids + ", without " + member.id() + " (this node was started with a stale or"
        + " wrong --peers list, or was removed). It stays out and never disturbs the cluster. To add it: stop it,"
        + " empty its data directory, start it with --initial-cluster-state existing, then run: kvstore member add "
        + member.id() + " RAFT_ADDRESS --client-address CLIENT_ADDRESS");
  }
}
