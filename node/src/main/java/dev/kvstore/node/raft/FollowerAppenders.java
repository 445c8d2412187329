package dev.kvstore.node.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.leader.LogAppender;

/**
 * The log appenders Ratis runs on this node while it leads, one per follower: the newest one
 * created for each follower (a new term, or Ratis replacing a failed one, creates another), as
 * {@link AppenderTrackingGrpc} reports them. Gives {@link CommitBroadcast} its view of the
 * followers through Ratis's public appender API only.
 */
public final class FollowerAppenders {

  private final Map<RaftPeerId, LogAppender> newest = new ConcurrentHashMap<>();

  /** Records an appender Ratis just created; returns it. */
  LogAppender created(LogAppender appender) {
    newest.put(appender.getFollowerId(), appender);
    return appender;
  }

  /** The followers of this node's current leadership: none when it does not lead. */
  public List<CommitBroadcast.Follower> running() {
    List<CommitBroadcast.Follower> running = new ArrayList<>(newest.size());
    for (LogAppender appender : newest.values()) {
      boolean live;
      try {
        // False once the appender is stopped or this node no longer leads.
        live = appender.isRunning();
      } catch (RuntimeException stopping) {
        // The server is shutting down under it. This runs on the apply thread, which must not fail.
        live = false;
      }
      if (live) {
        running.add(new Appended(appender));
      }
    }
    return running;
  }

  private record Appended(LogAppender appender) implements CommitBroadcast.Follower {

    @Override
    public boolean knowsCommit() {
      return appender.getFollower().getCommitIndex() >= appender.getRaftLog().getLastCommittedIndex();
    }

    @Override
    public boolean holdsCommitted() {
      return appender.getFollower().getMatchIndex() >= appender.getRaftLog().getLastCommittedIndex();
    }

    @Override
    public long nanosSinceLastAnswer() {
      return appender.getFollower().getLastRpcResponseTime().elapsedTime().toLong(TimeUnit.NANOSECONDS);
    }

    @Override
    public long nanosSinceLastSend() {
      return appender.getFollower().getLastRpcSendTime().elapsedTime().toLong(TimeUnit.NANOSECONDS);
    }

    @Override
    public void heartbeat() {
      appender.triggerHeartbeat();
    }
  }
}
