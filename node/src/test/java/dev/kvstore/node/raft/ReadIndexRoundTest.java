package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class ReadIndexRoundTest {

  private static final Duration LONG = Duration.ofSeconds(30);
  private static final long COMMIT_INDEX = 120;
  private static final long LOG_ROUND_INDEX = 999;
  private static final RaftPeerId N1 = RaftPeerId.valueOf("n1");
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");
  private static final RaftPeerId N4 = RaftPeerId.valueOf("n4");
  private static final RaftPeerId N5 = RaftPeerId.valueOf("n5");

  private final FakeMember member = new FakeMember();
  private final FakePeers peers = new FakePeers();
  private int logRounds;
  /** Hedges scheduled, with their delays (ns), run by hand. */
  private final List<Runnable> hedges = new ArrayList<>();
  private final List<Long> hedgeDelays = new ArrayList<>();
  private final ReadIndexRound round = new ReadIndexRound(member, peers, timeout -> {
    logRounds++;
    return CompletableFuture.completedFuture(LOG_ROUND_INDEX);
  }, LONG, (task, delayNanos) -> {
    hedges.add(task);
    hedgeDelays.add(delayNanos);
  });

  @Test
  void aLeaderWhoseFollowerConfirmsItsTermReadsAtItsCommitIndexWithoutTheLog() {
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> index = round.run(LONG);

    assertThat(peers.termAsked).containsOnlyKeys(N2, N3);
    assertThat(index).isNotDone();
    peers.termAsked.get(N3).complete(7L);
    assertThat(index).as("itself and n3 are a majority of three").isCompletedWithValue(COMMIT_INDEX);
    assertThat(logRounds).isZero();
  }

  @Test
  void aFollowerInAnOlderTermStillConfirmsThatNoNewerTermBegan() {
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> index = round.run(LONG);
    peers.termAsked.get(N2).complete(6L);

    assertThat(index).isCompletedWithValue(COMMIT_INDEX);
  }

  @Test
  void aMemberInANewerTermMeansThisLeaderIsDeposedAndTheReadGoesThroughTheLog() {
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> index = round.run(LONG);
    peers.termAsked.get(N2).complete(8L);

    assertThat(index).isCompletedWithValue(LOG_ROUND_INDEX);
    assertThat(logRounds).isEqualTo(1);
    peers.termAsked.get(N3).complete(7L);
    assertThat(logRounds).as("a late confirmation changes nothing").isEqualTo(1);
  }

  @Test
  void oneFailedFollowerIsNotEnoughToFallBackButTwoAre() {
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> confirmed = round.run(LONG);
    peers.termAsked.get(N2).completeExceptionally(new RuntimeException("n2 unreachable"));
    assertThat(confirmed).isNotDone();
    peers.termAsked.get(N3).complete(7L);
    assertThat(confirmed).isCompletedWithValue(COMMIT_INDEX);

    peers.termAsked.clear();
    CompletableFuture<Long> unconfirmed = round.run(LONG);
    assertThat(peers.termAsked).as("n3 answered last time, n2 failed").containsOnlyKeys(N3);
    peers.termAsked.get(N3).completeExceptionally(new RuntimeException("n3 unreachable"));
    assertThat(peers.termAsked).as("a failure asks the others at once").containsOnlyKeys(N2, N3);
    assertThat(unconfirmed).isNotDone();
    peers.termAsked.get(N2).completeExceptionally(new RuntimeException("n2 unreachable"));
    assertThat(unconfirmed).isCompletedWithValue(LOG_ROUND_INDEX);
  }

  @Test
  void onceEveryFollowerAnsweredOnlyAMajorityIsAskedAndTheHedgeAsksTheRest() {
    member.lead(7, Set.of(N1, N2, N3));
    CompletableFuture<Long> first = round.run(LONG);
    assertThat(hedges).as("no answer times yet: everyone is asked").isEmpty();
    peers.termAsked.get(N3).complete(7L);
    peers.termAsked.get(N2).complete(7L);
    assertThat(first).isCompletedWithValue(COMMIT_INDEX);

    peers.termAsked.clear();
    CompletableFuture<Long> second = round.run(LONG);
    assertThat(peers.termAsked).hasSize(1);
    RaftPeerId askedFirst = peers.termAsked.keySet().iterator().next();
    assertThat(hedges).hasSize(1);
    hedges.get(0).run();
    assertThat(peers.termAsked).as("the hedge asks the other").containsOnlyKeys(N2, N3);
    RaftPeerId askedLater = askedFirst.equals(N2) ? N3 : N2;
    peers.termAsked.get(askedLater).complete(7L);
    assertThat(second).isCompletedWithValue(COMMIT_INDEX);

    peers.termAsked.clear();
    CompletableFuture<Long> third = round.run(LONG);
    peers.termAsked.values().forEach(answer -> answer.complete(7L));
    assertThat(third).isCompletedWithValue(COMMIT_INDEX);
    hedges.get(1).run();
    assertThat(peers.termAsked).as("a hedge after the confirmation asks no one").hasSize(1);
  }

  @Test
  void theHedgeWaitsSomeTimesTheFastestAnswerWithinBounds() {
    ReadIndexRound quick = new ReadIndexRound(member, peers, timeout -> CompletableFuture.completedFuture(0L),
        Duration.ofMillis(400), (task, delayNanos) -> { });
    member.lead(7, Set.of(N1, N2, N3));
    assertThat(quick.hedgeDelayNanos(N2)).as("nothing known yet").isEqualTo(ReadIndexRound.MIN_HEDGE_NANOS);

    quick.run(LONG);
    peers.termAsked.get(N2).completeExceptionally(new RuntimeException("n2 unreachable"));
    assertThat(quick.hedgeDelayNanos(N2)).as("a quarter of the confirmation timeout at most")
        .isEqualTo(Duration.ofMillis(100).toNanos());
  }

  @Test
  void fiveMembersNeedTwoConfirmations() {
    member.lead(3, Set.of(N1, N2, N3, N4, N5));

    CompletableFuture<Long> index = round.run(LONG);
    peers.termAsked.get(N4).complete(3L);
    assertThat(index).isNotDone();
    peers.termAsked.get(N2).complete(3L);

    assertThat(index).isCompletedWithValue(COMMIT_INDEX);
  }

  @Test
  void duringAMembershipChangeBothConfigurationsNeedAMajority() {
    member.lead(4, new VotingMembers(Set.of(N1, N2, N3), Set.of(N1, N4, N5)));

    CompletableFuture<Long> index = round.run(LONG);
    assertThat(peers.termAsked).containsOnlyKeys(N2, N3, N4, N5);
    peers.termAsked.get(N2).complete(4L);
    peers.termAsked.get(N3).complete(4L);
    assertThat(index).as("a majority of the new configuration only").isNotDone();
    peers.termAsked.get(N5).complete(4L);

    assertThat(index).isCompletedWithValue(COMMIT_INDEX);
  }

  @Test
  void aGroupOfOneNeedsNoOne() {
    member.lead(2, Set.of(N1));

    assertThat(round.run(LONG)).isCompletedWithValue(COMMIT_INDEX);
    assertThat(peers.termAsked).isEmpty();
  }

  @Test
  void aFollowerAsksTheLeaderItKnowsAndFallsBackToTheLogIfItCannotAnswer() {
    member.follow(N3, Set.of(N1, N2, N3));

    CompletableFuture<Long> answered = round.run(LONG);
    assertThat(peers.readIndexAsked).hasSize(1);
    assertThat(peers.readIndexAskedOf).containsExactly(N3);
    peers.readIndexAsked.get(0).complete(77L);
    assertThat(answered).isCompletedWithValue(77L);

    CompletableFuture<Long> refused = round.run(LONG);
    peers.readIndexAsked.get(1).completeExceptionally(new IllegalStateException("n3 is not the leader"));
    assertThat(refused).isCompletedWithValue(LOG_ROUND_INDEX);
    assertThat(peers.termAsked).isEmpty();
  }

  @Test
  void withNoLeaderKnownTheReadGoesThroughTheLogAtOnce() {
    member.follow(null, Set.of(N1, N2, N3));

    assertThat(round.run(LONG)).isCompletedWithValue(LOG_ROUND_INDEX);
    assertThat(peers.readIndexAsked).isEmpty();
  }

  @Test
  void confirmationsThatNeverComeFallBackToTheLogAfterTheConfirmationTimeout() {
    ReadIndexRound quick = new ReadIndexRound(member, peers,
        timeout -> CompletableFuture.completedFuture(LOG_ROUND_INDEX), Duration.ofMillis(50), (task, delayNanos) -> { });
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> index = quick.run(LONG);

    assertThat(index).succeedsWithin(LONG).isEqualTo(LOG_ROUND_INDEX);
  }

  @Test
  void aRoundOutOfTimeBeforeItCouldFallBackFails() {
    ReadIndexRound quick = new ReadIndexRound(member, peers,
        timeout -> CompletableFuture.completedFuture(LOG_ROUND_INDEX), LONG, (task, delayNanos) -> { });
    member.lead(7, Set.of(N1, N2, N3));

    CompletableFuture<Long> index = quick.run(Duration.ofMillis(50));

    assertThat(index).failsWithin(LONG);
  }

  /** A member whose role the test sets. */
  private static final class FakeMember implements Leadership {
    private boolean leader;
    private long term = 1;
    private RaftPeerId leaderId;
    private VotingMembers voters = new VotingMembers(Set.of(N1), Set.of());

    void lead(long term, Set<RaftPeerId> members) {
      lead(term, new VotingMembers(members, Set.of()));
    }

    void lead(long term, VotingMembers voters) {
      this.leader = true;
      this.term = term;
      this.leaderId = N1;
      this.voters = voters;
    }

    void follow(RaftPeerId leaderId, Set<RaftPeerId> members) {
      this.leader = false;
      this.leaderId = leaderId;
      this.voters = new VotingMembers(members, Set.of());
    }

    @Override
    public String id() {
      return N1.toString();
    }

    @Override
    public RaftPeerId peerId() {
      return N1;
    }

    @Override
    public Optional<String> leaderId() {
      return Optional.ofNullable(leaderId).map(RaftPeerId::toString);
    }

    @Override
    public long term() {
      return term;
    }

    @Override
    public long commitIndex() {
      return COMMIT_INDEX;
    }

    @Override
    public boolean isLeaderReady() {
      return leader;
    }

    @Override
    public VotingMembers votingMembers() {
      return voters;
    }
  }

  /** Questions the test answers by hand. */
  private static final class FakePeers implements ReadIndexRound.Peers {
    final Map<RaftPeerId, CompletableFuture<Long>> termAsked = new HashMap<>();
    final List<CompletableFuture<Long>> readIndexAsked = new ArrayList<>();
    final List<RaftPeerId> readIndexAskedOf = new ArrayList<>();

    @Override
    public CompletableFuture<Long> currentTerm(RaftPeerId peer, Duration timeout) {
      CompletableFuture<Long> answer = new CompletableFuture<>();
      termAsked.put(peer, answer);
      return answer;
    }

    @Override
    public CompletableFuture<Long> readIndex(RaftPeerId leader, Duration timeout) {
      CompletableFuture<Long> answer = new CompletableFuture<>();
      readIndexAsked.add(answer);
      readIndexAskedOf.add(leader);
      return answer;
    }
  }
}
