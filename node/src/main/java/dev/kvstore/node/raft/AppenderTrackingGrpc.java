package dev.kvstore.node.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis's gRPC transport, unchanged, except that every log appender it creates is recorded in the
 * {@link FollowerAppenders} found in the Raft server's {@link Parameters} under {@link #APPENDERS}
 * (for {@link CommitBroadcast}: Ratis has no public way to reach a leader's appenders).
 *
 * <p>Public, with a constructor without arguments, because Ratis creates an {@link RpcType} from
 * its class name ({@code raft.rpc.type}, see {@link RaftSettings#serverProperties}).
 */
public final class AppenderTrackingGrpc implements RpcType {

  /** The key of the {@link FollowerAppenders} in the server's parameters. */
  static final String APPENDERS = "kvstore.followerAppenders";

  @Override
  public String name() {
    return AppenderTrackingGrpc.class.getName();
  }

  /** @throws IllegalStateException when the parameters hold no {@link FollowerAppenders} */
  @Override
  public RpcFactory newFactory(Parameters parameters) {
    FollowerAppenders appenders = parameters.get(APPENDERS, FollowerAppenders.class);
    if (appenders == null) {
      throw new IllegalStateException("the Raft server's parameters hold no " + APPENDERS);
    }
    return new GrpcFactory(parameters) {
      @Override
      public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
        return appenders.created(super.newLogAppender(server, state, follower));
      }
    };
  }
}
