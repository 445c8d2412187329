package dev.kvstore.node;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of the {@link ReadBarrier}: finds a read index, a log index at or above every write
 * acknowledged before the round began, without writing to the log when it can.
 *
 * <p>Raft's read index (Raft thesis, section 6.4), done so that a deposed leader cannot pass it:
 * <ul>
 *   <li>On the leader, once it has committed an entry of its own term: note its term T and commit
 *       index C, then ask every other voting member for its current term ({@link Peers}).
 *       Once a majority, this node included, answered no higher than T, C is the read index. A
 *       member that answered so had not voted in a newer term when it answered, after the round
 *       began; so no newer leader had a majority before the round began, and nothing committed by
 *       then lies beyond C. Each round asks again: unlike Ratis 3.3.0's read index (see
 *       {@link ReadBarrier}), an old acknowledgement never answers a new read.</li>
 *   <li>On a follower: ask the leader it knows for a read index; the leader runs the round above
 *       for it ({@link PeerQueries}).</li>
 *   <li>Otherwise (no leader known, a member answered a newer term, too few answers within the
 *       confirmation timeout, the leader could not answer): a no-op through the log, as every
 *       round did before; slower, but it follows leader changes like any write.</li>
 * </ul>
 * A round costs one small request to each other member (or one to the leader), against a log entry
 * and its fsync on a majority for the no-op.
 */
final class ReadIndexRound implements ReadBarrier.Round {

  private static final Logger LOG = LoggerFactory.getLogger(ReadIndexRound.class);

  /** The questions a round asks other members ({@link PeerQueryClient} in a node). */
  interface Peers {
    /** The current term of {@code peer}. */
    CompletableFuture<Long> currentTerm(RaftPeerId peer, Duration timeout);

    /** A read index found by {@code leader} after the question arrived. */
    CompletableFuture<Long> readIndex(RaftPeerId leader, Duration timeout);
  }

  private final Leadership member;
  private final Peers peers;
  private final ReadBarrier.Round logRound;
  private final Duration confirmTimeout;

  /**
   * @param logRound       the fallback: appends a no-op through Raft and completes with its index
   * @param confirmTimeout how long the quick path may take before the round falls back to the log
   *                       (in the node: one election timeout)
   */
  ReadIndexRound(Leadership member, Peers peers, ReadBarrier.Round logRound, Duration confirmTimeout) {
    this.member = member;
    this.peers = peers;
    this.logRound = logRound;
    this.confirmTimeout = confirmTimeout;
  }

  @Override
  public CompletableFuture<Long> run(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration quick = timeout.compareTo(confirmTimeout) < 0 ? timeout : confirmTimeout;
    CompletableFuture<Long> index;
    if (member.isLeaderReady()) {
      index = confirmLeadership(quick);
    } else {
      Optional<String> leader = member.leaderId().filter(id -> !id.equals(member.id()));
      index = leader.isPresent()
          ? peers.readIndex(RaftPeerId.valueOf(leader.get()), quick)
          : CompletableFuture.failedFuture(new IllegalStateException("no leader known"));
    }
    return index.orTimeout(quick.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(error -> {
      long left = deadline - System.nanoTime();
      LOG.debug("{}: read index not found quickly ({}); a no-op through the log instead", member.id(),
          RaftFailures.unwrap(error).toString());
      return left > 0 ? logRound.run(Duration.ofNanos(left))
          : CompletableFuture.failedFuture(new TimeoutException("no read index within " + timeout.toMillis() + " ms"));
    });
  }

  /**
   * This node's commit index once a majority confirmed, after this call, that no newer term has
   * begun; fails if this node is not a ready leader, a member answers a newer term, or too few
   * answer within {@code timeout}.
   */
  CompletableFuture<Long> confirmLeadership(Duration timeout) {
    long term = member.term();
    if (!member.isLeaderReady()) {
      return CompletableFuture.failedFuture(new IllegalStateException("not the leader"));
    }
    long commitIndex = member.commitIndex();
    if (member.term() != term) {
      return CompletableFuture.failedFuture(new IllegalStateException("term changed from " + term));
    }
    VotingMembers voters = member.votingMembers();
    Set<RaftPeerId> others = voters.othersThan(member.peerId());
    Confirmation confirmation = new Confirmation(voters, member.peerId(), others.size(), term, commitIndex);
    if (confirmation.isDone()) {
      return confirmation.result; // a group of one
    }
    for (RaftPeerId peer : others) {
      peers.currentTerm(peer, timeout).whenComplete((peerTerm, error) -> confirmation.answer(peer, peerTerm, error));
    }
    return confirmation.result;
  }

  /** The answers of one leadership confirmation, until a majority agrees or no majority can. */
  private static final class Confirmation {
    final CompletableFuture<Long> result = new CompletableFuture<>();
    private final VotingMembers voters;
    private final Set<RaftPeerId> agreeing = new HashSet<>();
    private final long term;
    private final long commitIndex;
    private int unanswered;

    Confirmation(VotingMembers voters, RaftPeerId self, int asked, long term, long commitIndex) {
      this.voters = voters;
      this.term = term;
      this.commitIndex = commitIndex;
      this.unanswered = asked;
      agreeing.add(self);
      if (voters.isMajority(agreeing)) {
        result.complete(commitIndex);
      }
    }

    boolean isDone() {
      return result.isDone();
    }

    synchronized void answer(RaftPeerId peer, Long peerTerm, Throwable error) {
      unanswered--;
      if (error == null && peerTerm > term) {
        result.completeExceptionally(new IllegalStateException(peer + " is in term " + peerTerm + ", after " + term));
        return;
      }
      if (error == null) {
        agreeing.add(peer);
      }
      if (voters.isMajority(agreeing)) {
        result.complete(commitIndex);
      } else if (unanswered == 0) {
        result.completeExceptionally(new IllegalStateException("only " + agreeing + " confirmed term " + term
            + (error == null ? "" : "; last failure: " + RaftFailures.unwrap(error))));
      }
    }
  }
}
