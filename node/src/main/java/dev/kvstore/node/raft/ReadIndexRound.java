package dev.kvstore.node.raft;

import dev.kvstore.node.request.RaftFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * A round costs one small request to each member asked (or one to the leader), against a log
 * entry and its fsync on a majority for the no-op.
 *
 * <p>The leader asks only as many members as a majority needs, those that answered fastest last
 * time first (every member it has no answer time for yet is asked too); the others are asked
 * when one of those fails, or when no majority has answered within a few times the fastest
 * answer seen ({@link #hedgeDelayNanos}), as a hedged request. Under load, reads share rounds and
 * a round per read would otherwise cost every other member a request; in a group of three, this
 * halves the requests. Which members were asked changes nothing to what a confirmation proves.
 */
public final class ReadIndexRound implements ReadBarrier.Round {

  private static final Logger LOG = LoggerFactory.getLogger(ReadIndexRound.class);

  /** The questions a round asks other members ({@link PeerQueryClient} in a node). */
  interface Peers {
    /** The current term of {@code peer}. */
    CompletableFuture<Long> currentTerm(RaftPeerId peer, Duration timeout);

    /** A read index found by {@code leader} after the question arrived. */
    CompletableFuture<Long> readIndex(RaftPeerId leader, Duration timeout);
  }

  /** Runs a task later, on the node's timer (here: the hedge that asks the remaining members). */
  @FunctionalInterface
  public interface Timer {
    void schedule(Runnable task, long delayNanos);
  }

  /** The hedge never waits less than this for the first members' answers. */
  static final long MIN_HEDGE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Nor less than this many times the fastest answer last seen. */
  static final int HEDGE_FACTOR = 4;

  private final Leadership member;
  private final Peers peers;
  private final ReadBarrier.Round logRound;
  private final Duration confirmTimeout;
  private final Timer timer;
  /**
   * How long each member took to answer its last question (ns; Long.MAX_VALUE when it failed);
   * absent until it was asked once.
   */
  private final Map<RaftPeerId, Long> answerNanos = new ConcurrentHashMap<>();

  /**
   * @param logRound       the fallback: appends a no-op through Raft and completes with its index
   * @param confirmTimeout how long the quick path may take before the round falls back to the log
   *                       (in the node: one election timeout)
   * @param timer          runs the hedge that asks the members not asked first
   */
  public ReadIndexRound(Leadership member, Peers peers, ReadBarrier.Round logRound, Duration confirmTimeout,
      Timer timer) {
    this.member = member;
    this.peers = peers;
    this.logRound = logRound;
    this.confirmTimeout = confirmTimeout;
    this.timer = timer;
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
    Confirmation confirmation = new Confirmation(voters, member.peerId(), term, commitIndex);
    if (confirmation.isDone()) {
      return confirmation.result; // a group of one
    }
    List<RaftPeerId> others = new ArrayList<>(voters.othersThan(member.peerId()));
    others.sort(Comparator.comparingLong((RaftPeerId peer) -> answerNanos.getOrDefault(peer, 0L))
        .thenComparing(RaftPeerId::toString));
    Set<RaftPeerId> first = new HashSet<>(Set.of(member.peerId()));
    int firstCount = 0;
    while (firstCount < others.size()
        && (!voters.isMajority(first) || !answerNanos.containsKey(others.get(firstCount)))) {
      first.add(others.get(firstCount++));
    }
    List<RaftPeerId> later = others.subList(firstCount, others.size());
    confirmation.expect(others.size(), () -> ask(later, confirmation, timeout));
    ask(others.subList(0, firstCount), confirmation, timeout);
    if (!later.isEmpty()) {
      timer.schedule(confirmation::askTheRest, hedgeDelayNanos(others.get(0)));
    }
    return confirmation.result;
  }

  private void ask(List<RaftPeerId> asked, Confirmation confirmation, Duration timeout) {
    long start = System.nanoTime();
    for (RaftPeerId peer : asked) {
      peers.currentTerm(peer, timeout).whenComplete((peerTerm, error) -> {
        // A member that failed goes last, until it answers again (when the others are asked).
        answerNanos.put(peer, error == null ? System.nanoTime() - start : Long.MAX_VALUE);
        confirmation.answer(peer, peerTerm, error);
      });
    }
  }

  /**
   * How long the members asked first may take before the others are asked too, in ns:
   * {@link #HEDGE_FACTOR} times the last answer time of the fastest member, at least
   * {@link #MIN_HEDGE_NANOS}, at most a quarter of the confirmation timeout.
   */
  long hedgeDelayNanos(RaftPeerId fastest) {
    long fastestNanos = answerNanos.getOrDefault(fastest, 0L);
    long ceiling = Math.max(MIN_HEDGE_NANOS, confirmTimeout.toNanos() / 4);
    return fastestNanos >= ceiling / HEDGE_FACTOR ? ceiling : Math.max(MIN_HEDGE_NANOS, HEDGE_FACTOR * fastestNanos);
  }

  /**
   * The answers of one leadership confirmation, until a majority agrees or no majority can. The
   * members not asked first are asked once: by the hedge, or at the first failure.
   */
  private static final class Confirmation {
    final CompletableFuture<Long> result = new CompletableFuture<>();
    private final VotingMembers voters;
    private final Set<RaftPeerId> agreeing = new HashSet<>();
    private final long term;
    private final long commitIndex;
    private int unanswered;
    private Runnable askTheRest;

    Confirmation(VotingMembers voters, RaftPeerId self, long term, long commitIndex) {
      this.voters = voters;
      this.term = term;
      this.commitIndex = commitIndex;
      agreeing.add(self);
      if (voters.isMajority(agreeing)) {
        result.complete(commitIndex);
      }
    }

    boolean isDone() {
      return result.isDone();
    }

    /** @param askTheRest asks the members not asked first (once, and not after the result) */
    synchronized void expect(int members, Runnable askTheRest) {
      this.unanswered = members;
      this.askTheRest = askTheRest;
    }

    /** The hedge: asks the members not asked yet, unless the confirmation is over. */
    void askTheRest() {
      Runnable ask;
      synchronized (this) {
        ask = result.isDone() ? null : askTheRest;
        askTheRest = null;
      }
      if (ask != null) {
        ask.run();
      }
    }

    void answer(RaftPeerId peer, Long peerTerm, Throwable error) {
      synchronized (this) {
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
          return;
        }
        if (unanswered == 0) {
          result.completeExceptionally(new IllegalStateException("only " + agreeing + " confirmed term " + term
              + (error == null ? "" : "; last failure: " + RaftFailures.unwrap(error))));
          return;
        }
        if (error == null) {
          return;
        }
      }
      askTheRest();
    }
  }
}
