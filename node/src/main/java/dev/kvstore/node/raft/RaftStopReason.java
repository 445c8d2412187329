package dev.kvstore.node.raft;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Why this node's Raft server stopped on its own, told from what the node saw while it ran. Ratis
 * stops a server the cluster does not count as a member: a leader answers the vote request of a
 * node outside its configuration with "shut down", and a node that finds itself outside the
 * configuration it holds stops campaigning for good. Either happens to a node started with a stale
 * or wrong {@code --peers} list in a new data directory, and to a member after its removal; in
 * neither case does the cluster lose its leader (pre-vote keeps the node from raising terms).
 * Thread-safe.
 */
public final class RaftStopReason {

  private final LocalMember member;
  private volatile boolean sawLeader;
  private volatile boolean inConfiguration = true;
  private volatile String refusal = "";

  public RaftStopReason(LocalMember member) {
    this.member = member;
  }

  /** Samples the member every {@code periodMs}; cancel the returned future to stop. */
  public ScheduledFuture<?> start(ScheduledExecutorService scheduler, long periodMs) {
    return scheduler.scheduleWithFixedDelay(this::observe, 0, periodMs, TimeUnit.MILLISECONDS);
  }

  void observe() {
    try {
      if (!member.isRunning()) {
        return;
      }
      if (member.leaderId().isPresent()) {
        sawLeader = true;
      }
      inConfiguration = member.membership().find(member.id()).isPresent();
    } catch (RuntimeException stopping) {
      // The server is going away under us: keep what was seen last.
    }
  }

  /** Records why the cluster does not count this node as a member ({@link OutsideConfigurationCheck}). */
  public void refused(String reason) {
    refusal = reason;
  }

  /** One sentence for the log and the operator: why Raft stopped, and what to do; empty while it runs. */
  public String explain() {
    if (!refusal.isEmpty()) {
      return refusal;
    }
    if (member.isRunning()) {
      return "";
    }
    String join = " To add a node, start it with an empty data directory and --initial-cluster-state existing,"
        + " then run: kvstore member add " + member.id() + " RAFT_ADDRESS --client-address CLIENT_ADDRESS.";
    if (!inConfiguration) {
      return "node " + member.id() + " is not in the cluster's Raft configuration (it was removed, or never added);"
          + " its Raft server stopped." + join;
    }
    if (!sawLeader) {
      return "node " + member.id() + " never found a leader, and its Raft server stopped: most likely the cluster"
          + " refused it because it is not in the cluster's Raft configuration (a stale or wrong --peers list,"
          + " or a member removed earlier); the cluster went on undisturbed." + join;
    }
    return "node " + member.id() + "'s Raft server stopped on its own: most likely the cluster removed it (a leader"
        + " tells a member it no longer counts to stop), else see the log above." + join;
  }
}
