package dev.kvstore.node.raft;

import dev.kvstore.api.MemberRole;
import dev.kvstore.node.ops.metrics.RaftStatus;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * This node as a member of the Raft group: its id, role, term, leader and log progress. Public
 * methods are those the metrics read ({@link RaftStatus}).
 */
public final class LocalMember implements RaftStatus, Leadership {

  private final RaftServer server;
  private final RaftGroupId groupId;
  /** The voters of the configuration last asked about; see {@link #votingMembers}. */
  private volatile VotersOf voters;

  /** This node as a member of group {@code groupId} of {@code server}. */
  public LocalMember(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  @Override
  public String id() {
    return server.getId().toString();
  }

  @Override
  public RaftPeerId peerId() {
    return server.getId();
  }

  RaftGroupId groupId() {
    return groupId;
  }

  RaftServer server() {
    return server;
  }

  /**
   * Hands a client request to this node's Raft server, in-process, on the calling thread, which
   * must be one that may block (Ratis can, e.g. on a full log queue). Goes to the group's division
   * directly: through the server, Ratis would run it on a pool thread of its own while the caller
   * waits (two thread switches per call, to protect callers that must not block).
   *
   * @throws IOException when the server is not running (or not in the group)
   */
  CompletableFuture<RaftClientReply> submit(RaftClientRequest request) throws IOException {
    RaftServer.Division division = server.getDivision(groupId);
    if (division instanceof RaftClientAsynchronousProtocol direct) {
      return direct.submitClientRequestAsync(request);
    }
    return server.submitClientRequestAsync(request);
  }

  private RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      throw new UncheckedIOException("this node is not (or no longer) in Raft group " + groupId, e);
    }
  }

  private DivisionInfo info() {
    return division().getInfo();
  }

  /** The leader this node currently follows (or is), if it knows one. */
  @Override
  public Optional<String> leaderId() {
    return Optional.ofNullable(info().getLeaderId()).map(RaftPeerId::toString);
  }

  @Override
  public long term() {
    return info().getCurrentTerm();
  }

  @Override
  public MemberRole role() {
    return toRole(info().getCurrentRole());
  }

  @Override
  public boolean isRunning() {
    try {
      return server.getLifeCycleState().isRunning() && info().isAlive();
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  @Override
  public long commitIndex() {
    return division().getRaftLog().getLastCommittedIndex();
  }

  /** The log index this node's next entry will take: one past the last entry of its log. */
  public long nextLogIndex() {
    return division().getRaftLog().getNextIndex();
  }

  @Override
  public long appliedIndex() {
    return info().getLastAppliedIndex();
  }

  @Override
  public long snapshotIndex() {
    SnapshotInfo snapshot = division().getStateMachine().getLatestSnapshot();
    return snapshot == null ? -1 : snapshot.getIndex();
  }

  @Override
  public long logEntries() {
    RaftLog log = division().getRaftLog();
    long start = log.getStartIndex();
    return start < 0 ? 0 : Math.max(0, log.getNextIndex() - start);
  }

  /** Sums the segment files (Ratis names them {@code log_<first>-<last>} and {@code log_inprogress_<first>}). */
  @Override
  public long logBytes() {
    File[] segments = division().getRaftStorage().getStorageDir().getCurrentDir()
        .listFiles((dir, name) -> name.startsWith("log_"));
    long bytes = 0;
    for (File segment : segments == null ? new File[0] : segments) {
      bytes += segment.length();
    }
    return bytes;
  }

  @Override
  public long snapshotBytes() {
    SnapshotInfo snapshot = division().getStateMachine().getLatestSnapshot();
    if (snapshot == null) {
      return 0;
    }
    long bytes = 0;
    for (FileInfo file : snapshot.getFiles()) {
      bytes += file.getPath().toFile().length();
    }
    return bytes;
  }

  /**
   * Whether this node leads and has committed an entry of its own term, so that its commit index
   * covers everything any earlier leader committed (Raft thesis section 6.4, first step).
   */
  @Override
  public boolean isLeaderReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() && info.isLeaderReady();
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** The voting members of the group as this node knows them now (both sides of a change in progress). */
  @Override
  public VotingMembers votingMembers() {
    RaftConfiguration conf = division().getRaftConf();
    VotersOf last = voters;
    if (last != null && last.conf() == conf) {
      return last.members();
    }
    VotingMembers members = new VotingMembers(ids(conf.getCurrentPeers()), ids(conf.getPreviousPeers()));
    voters = new VotersOf(conf, members);
    return members;
  }

  /**
   * The voting members of one configuration. Ratis replaces its configuration object on every change
   * and never alters one, so the object identifies the configuration: every read round asks for the
   * voters, and building the sets anew each time was 1% of a leader's CPU under linearizable gets.
   */
  private record VotersOf(RaftConfiguration conf, VotingMembers members) {}

  /** The members of the group as this node knows them now: the live Raft configuration. */
  public Membership membership() {
    return Membership.of(division().getRaftConf());
  }

  /**
   * Every peer of the live configuration (both sides of a change, voters and learners), as kvstore's
   * own Ratis clients must address them ({@link Membership#forRatisClients}); empty when this node is
   * not (yet) in the group.
   */
  public List<RaftPeer> peersForRatisClients() {
    try {
      RaftConfiguration conf = division().getRaftConf();
      List<RaftPeer> peers = new ArrayList<>();
      for (RaftPeerRole role : List.of(RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)) {
        conf.getAllPeers(role).stream().map(Membership::forRatisClients).forEach(peers::add);
      }
      return peers;
    } catch (UncheckedIOException e) {
      return List.of();
    }
  }

  private static Set<RaftPeerId> ids(Collection<RaftPeer> peers) {
    return peers.stream().map(RaftPeer::getId).collect(Collectors.toUnmodifiableSet());
  }

  /** Followers that answered the leader within {@code maxSilenceMs}, most recently heard first; empty unless leader. */
  public List<String> responsiveFollowers(long maxSilenceMs) {
    return followerSilences().entrySet().stream()
        .filter(follower -> follower.getValue() <= maxSilenceMs)
        .sorted(Map.Entry.comparingByValue())
        .map(follower -> follower.getKey().toString())
        .toList();
  }

  /**
   * While this node leads: each follower and the time since it last answered the leader, in ms
   * (Ratis's last RPC response time); empty otherwise.
   */
  public Map<RaftPeerId, Long> followerSilences() {
    RoleInfoProto role = info().getRoleInfoProto();
    if (!role.hasLeaderInfo()) {
      return Map.of();
    }
    Map<RaftPeerId, Long> silences = new HashMap<>();
    for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
      silences.put(RaftPeerId.valueOf(follower.getId().getId()), follower.getLastRpcElapsedTimeMs());
    }
    return silences;
  }

  /**
   * Closes this node's Raft connection to {@code peer}; the next message to it opens a new one.
   * (Ratis's server RPC keeps one client per peer, created on demand.)
   */
  public void renewConnection(RaftPeerId peer) {
    if (server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc) {
      rpc.getProxies().resetProxy(peer);
    }
  }

  /** The API role for a Ratis role; {@code ROLE_UNKNOWN} for null or a role the API does not name. */
  public static MemberRole toRole(RaftPeerRole role) {
    if (role == null) {
      return MemberRole.ROLE_UNKNOWN;
    }
    return switch (role) {
      case LEADER -> MemberRole.LEADER;
      case FOLLOWER -> MemberRole.FOLLOWER;
      case CANDIDATE -> MemberRole.CANDIDATE;
      case LISTENER -> MemberRole.LISTENER;
      default -> MemberRole.ROLE_UNKNOWN;
    };
  }
}
