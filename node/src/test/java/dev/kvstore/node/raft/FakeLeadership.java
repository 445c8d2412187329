package dev.kvstore.node.raft;

import java.util.Optional;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeerId;

/** Node n1, whose leadership and term a test sets: it leads, or follows n2. */
final class FakeLeadership implements Leadership {
  private static final RaftPeerId SELF = RaftPeerId.valueOf("n1");
  private boolean leader;
  private long term = 1;

  void lead(long term) {
    this.leader = true;
    this.term = term;
  }

  void follow() {
    this.leader = false;
    this.term++;
  }

  @Override
  public String id() {
    return SELF.toString();
  }

  @Override
  public RaftPeerId peerId() {
    return SELF;
  }

  @Override
  public Optional<String> leaderId() {
    return leader ? Optional.of(id()) : Optional.of("n2");
  }

  @Override
  public long term() {
    return term;
  }

  @Override
  public long commitIndex() {
    return 0;
  }

  @Override
  public boolean isLeaderReady() {
    return leader;
  }

  @Override
  public VotingMembers votingMembers() {
    return new VotingMembers(Set.of(SELF), Set.of());
  }
}
