package dev.kvstore.node.raft;

import java.util.Optional;
import org.apache.ratis.protocol.RaftPeerId;

/** What a read index needs to know of this node's place in its Raft group ({@link LocalMember} in a node). */
public interface Leadership {

  String id();

  RaftPeerId peerId();

  /** The leader this node follows (or is), if it knows one. */
  Optional<String> leaderId();

  long term();

  long commitIndex();

  /** Leads, and has committed an entry of its own term. */
  boolean isLeaderReady();

  VotingMembers votingMembers();
}
