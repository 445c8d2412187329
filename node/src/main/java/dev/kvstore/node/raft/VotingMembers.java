package dev.kvstore.node.raft;

import java.util.HashSet;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The members whose votes count, as one node sees the Raft configuration at one moment: the
 * current configuration and, while a membership change is under way (joint consensus), the
 * previous one too. A decision needs a majority of each.
 *
 * @param current  voting members of the current configuration
 * @param previous voting members of the configuration being left; empty when none is
 */
record VotingMembers(Set<RaftPeerId> current, Set<RaftPeerId> previous) {

  VotingMembers {
    current = Set.copyOf(current);
    previous = Set.copyOf(previous);
  }

  /** Whether {@code agreeing} holds a majority of the current members, and of the previous ones if any. */
  boolean isMajority(Set<RaftPeerId> agreeing) {
    return isMajorityOf(current, agreeing) && (previous.isEmpty() || isMajorityOf(previous, agreeing));
  }

  /** Everyone whose answer can count, but {@code self}. */
  Set<RaftPeerId> othersThan(RaftPeerId self) {
    Set<RaftPeerId> others = new HashSet<>(current);
    others.addAll(previous);
    others.remove(self);
    return others;
  }

  private static boolean isMajorityOf(Set<RaftPeerId> members, Set<RaftPeerId> agreeing) {
    long inFavour = members.stream().filter(agreeing::contains).count();
    return inFavour > members.size() / 2;
  }
}
