package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class VotingMembersTest {

  private static final RaftPeerId N1 = RaftPeerId.valueOf("n1");
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");
  private static final RaftPeerId N4 = RaftPeerId.valueOf("n4");

  @Test
  void aMajorityIsMoreThanHalf() {
    VotingMembers three = new VotingMembers(Set.of(N1, N2, N3), Set.of());
    assertThat(three.isMajority(Set.of(N1))).isFalse();
    assertThat(three.isMajority(Set.of(N1, N3))).isTrue();

    VotingMembers four = new VotingMembers(Set.of(N1, N2, N3, N4), Set.of());
    assertThat(four.isMajority(Set.of(N1, N2))).as("half is not a majority").isFalse();
    assertThat(four.isMajority(Set.of(N1, N2, N4))).isTrue();
  }

  @Test
  void nonMembersDoNotCount() {
    VotingMembers three = new VotingMembers(Set.of(N1, N2, N3), Set.of());
    assertThat(three.isMajority(Set.of(N1, N4))).isFalse();
  }

  @Test
  void duringAChangeEachConfigurationNeedsItsOwnMajority() {
    VotingMembers joint = new VotingMembers(Set.of(N1, N2, N3), Set.of(N1, N2, N4));
    assertThat(joint.isMajority(Set.of(N1, N3))).isFalse();
    assertThat(joint.isMajority(Set.of(N1, N2))).isTrue();
    assertThat(joint.othersThan(N1)).containsExactlyInAnyOrder(N2, N3, N4);
  }
}
