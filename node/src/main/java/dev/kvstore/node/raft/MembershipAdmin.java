package dev.kvstore.node.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.RetryPolicies;

/**
 * Ratis's membership administration behind three blocking calls, each addressed to the leader:
 * what it knows of its followers' progress ({@link #leaderProgress}), a compare-and-set change of
 * the configuration ({@link #change}) and a leadership transfer ({@link #transferLeadership}).
 * Each call runs on a Ratis client of its own, made for it with the call's time limit (a change
 * waits until a new member has caught up, far longer than the node's other admin calls may take),
 * and is not retried: a change whose answer was lost is reported, not sent twice.
 */
public final class MembershipAdmin {

  private final LocalMember member;
  private final Function<Duration, RaftProperties> clientProperties;
  private final Parameters parameters;

  /**
   * @param clientProperties Ratis client properties for a given request time limit
   * @param parameters       Ratis parameters of the clients (peer TLS)
   */
  public MembershipAdmin(LocalMember member, Function<Duration, RaftProperties> clientProperties,
      Parameters parameters) {
    this.member = member;
    this.clientProperties = clientProperties;
    this.parameters = parameters;
  }

  /**
   * What the leader knows of every other member, from its group info.
   *
   * @param leaderId      the leader
   * @param commitIndex   the leader's commit index
   * @param commitIndexes each other member's commit index as the leader last heard it; -1 for a
   *                      member that never answered
   * @param silenceMs     ms since each other member last answered the leader
   */
  public record LeaderProgress(String leaderId, long commitIndex, Map<String, Long> commitIndexes,
      Map<String, Long> silenceMs) {}

  /**
   * Asks {@code leaderId} for its {@link LeaderProgress}.
   *
   * @throws NotLeaderException when it does not lead (any more)
   * @throws IOException        when it cannot be asked within {@code timeout}
   */
  public LeaderProgress leaderProgress(String leaderId, Duration timeout) throws IOException {
    RaftPeerId leader = RaftPeerId.valueOf(leaderId);
    try (RaftClient client = clientFor(leader, timeout)) {
      GroupInfoReply info = client.getGroupManagementApi(leader).info(member.groupId());
      RoleInfoProto role = info.getRoleInfoProto();
      if (!role.hasLeaderInfo()) {
        throw new NotLeaderException(RaftGroupMemberId.valueOf(leader, member.groupId()), null, List.of());
      }
      Map<String, Long> silences = new HashMap<>();
      for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
        silences.put(follower.getId().getId().toStringUtf8(), follower.getLastRpcElapsedTimeMs());
      }
      Map<String, Long> commits = new HashMap<>();
      for (CommitInfoProto commit : info.getCommitInfos()) {
        commits.put(commit.getServer().getId().toStringUtf8(), commit.getCommitIndex());
      }
      return new LeaderProgress(leaderId, info.getLogInfoProto().getCommitted().getIndex(), commits, silences);
    }
  }

  /**
   * Has {@code leaderId} replace the configuration {@code expected} with {@code next}, if the
   * configuration is still {@code expected} (same voters and learners), and waits until the new
   * configuration is committed: for a new member, until it has caught up with the leader.
   *
   * @throws IOException what Ratis answered: {@code ReconfigurationInProgressException} while
   *                     another change is under way, {@code SetConfigurationException} when the
   *                     configuration is no longer {@code expected}, {@code NotLeaderException},
   *                     or a time-out
   */
  public void change(String leaderId, Membership expected, List<Membership.Member> next, Duration timeout)
      throws IOException {
    SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
        .setServersInCurrentConf(peers(expected.voters()))
        .setListenersInCurrentConf(peers(expected.learners()))
        .setServersInNewConf(peers(next.stream().filter(m -> !m.learner()).toList()))
        .setListenersInNewConf(peers(next.stream().filter(Membership.Member::learner).toList()))
        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
        .build();
    RaftPeerId leader = RaftPeerId.valueOf(leaderId);
    try (RaftClient client = clientFor(leader, timeout)) {
      failIfRefused(client.admin().setConfiguration(arguments));
    }
  }

  /**
   * Has {@code leaderId} hand its leadership to {@code target} and waits until {@code target} leads.
   *
   * @throws IOException what Ratis answered (e.g. the target is not a voter, or did not win in time)
   */
  public void transferLeadership(String leaderId, String target, Duration timeout) throws IOException {
    RaftPeerId leader = RaftPeerId.valueOf(leaderId);
    try (RaftClient client = clientFor(leader, timeout.plusSeconds(1))) {
      failIfRefused(client.admin().transferLeadership(RaftPeerId.valueOf(target), leader, timeout.toMillis()));
    }
  }

  private static void failIfRefused(RaftClientReply reply) throws IOException {
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("Ratis refused the change");
    }
  }

  private static List<RaftPeer> peers(List<Membership.Member> members) {
    return members.stream().map(Membership.Member::toRaftPeer).toList();
  }

  private RaftClient clientFor(RaftPeerId leader, Duration timeout) {
    RaftGroup group = RaftGroup.valueOf(member.groupId(), member.peersForRatisClients());
    return RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setLeaderId(leader)
        .setProperties(clientProperties.apply(timeout))
        .setParameters(parameters)
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
  }
}
