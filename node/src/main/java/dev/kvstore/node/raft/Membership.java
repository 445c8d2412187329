package dev.kvstore.node.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;

/**
 * The Raft configuration as one node sees it at one moment: every member, voter or learner, with
 * its addresses. This is the cluster's membership (as etcd's member list): there is no other.
 *
 * @param members  voters first, then learners, each in id order
 * @param index    log index of the configuration entry it comes from (-1 before any)
 * @param changing true while a change is under way: joint consensus (old and new voters), or a
 *                 leader still catching up a member being added
 */
public record Membership(List<Member> members, long index, boolean changing) {

  /**
   * One member.
   *
   * @param id            node id
   * @param raftAddress   HOST:PORT of its Raft port
   * @param clientAddress HOST:PORT of its client API; empty when the configuration does not record it
   * @param learner       a Raft listener: receives the log, never votes or leads
   */
  public record Member(String id, String raftAddress, String clientAddress, boolean learner) {

    /**
     * The Ratis peer for this member. The client API's address travels in Ratis's
     * {@code clientAddress} field, so the configuration itself says where every member serves;
     * kvstore's own Ratis clients never connect there (see {@link #forRatisClients}).
     */
    public RaftPeer toRaftPeer() {
      RaftPeer.Builder peer = RaftPeer.newBuilder().setId(id).setAddress(raftAddress);
      if (!clientAddress.isEmpty()) {
        peer.setClientAddress(clientAddress);
      }
      if (learner) {
        peer.setStartupRole(RaftPeerRole.LISTENER);
      }
      return peer.build();
    }

    /** The same member as a voter. */
    public Member asVoter() {
      return new Member(id, raftAddress, clientAddress, false);
    }
  }

  public Membership {
    members = List.copyOf(members);
  }

  /** The membership of a Ratis configuration. */
  static Membership of(RaftConfiguration conf) {
    List<Member> members = new ArrayList<>();
    add(members, conf.getAllPeers(RaftPeerRole.FOLLOWER), false);
    add(members, conf.getAllPeers(RaftPeerRole.LISTENER), true);
    boolean changing = !conf.getPreviousPeers().isEmpty() || !conf.getPreviousPeers(RaftPeerRole.LISTENER).isEmpty();
    return new Membership(members, conf.getLogEntryIndex(), changing);
  }

  private static void add(List<Member> into, Collection<RaftPeer> peers, boolean learner) {
    peers.stream()
        .sorted(Comparator.comparing(p -> p.getId().toString()))
        .map(p -> new Member(p.getId().toString(), p.getAddress(),
            p.getClientAddress() == null ? "" : p.getClientAddress(), learner))
        .forEach(into::add);
  }

  /** The member named {@code id}, if any. */
  public Optional<Member> find(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** The voters, in id order. */
  public List<Member> voters() {
    return members.stream().filter(m -> !m.learner()).toList();
  }

  /** The learners, in id order. */
  public List<Member> learners() {
    return members.stream().filter(Member::learner).toList();
  }

  /**
   * A peer as kvstore's own Ratis clients must know it: id and Raft address only. Ratis clients send
   * client requests to a peer's {@code clientAddress} when it has one, and kvstore uses that field
   * for its client API, which does not speak Ratis.
   */
  static RaftPeer forRatisClients(RaftPeer peer) {
    return RaftPeer.newBuilder().setId(peer.getId()).setAddress(peer.getAddress()).build();
  }
}
