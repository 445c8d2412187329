package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.statemachine.AppliedIndex;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Reads share rounds through the log, and a read is only answered by a round that began after it:
 * a round proves nothing about reads that arrived while its no-op was already on its way.
 */
class ReadBarrierTest {

  private static final Duration LONG = Duration.ofSeconds(30);

  /** Rounds the test completes by hand, in the order they were started. */
  private final List<CompletableFuture<Long>> rounds = new ArrayList<>();
  /** Nothing applied yet: index -1 counts as applied, so local apply never holds a read here. */
  private final ReadBarrier barrier = new ReadBarrier(timeout -> {
    CompletableFuture<Long> round = new CompletableFuture<>();
    rounds.add(round);
    return round;
  }, new AppliedIndex()::reached, Runnable::run);

  @Test
  void aReadStartsARoundAndPassesWhenItCommits() {
    CompletableFuture<Long> read = barrier.await(LONG);

    assertThat(rounds).hasSize(1);
    assertThat(read).isNotDone();
    rounds.get(0).complete(-1L);
    assertThat(read).isCompletedWithValue(-1L);
  }

  @Test
  void aReadArrivingDuringARoundWaitsForTheNextOne() {
    CompletableFuture<Long> first = barrier.await(LONG);
    CompletableFuture<Long> second = barrier.await(LONG);

    assertThat(rounds).as("one round at a time").hasSize(1);
    rounds.get(0).complete(-1L);
    assertThat(first).isCompleted();
    assertThat(second).as("it arrived after that round began, which proves nothing for it").isNotDone();
    assertThat(rounds).as("the next round starts as the first ends").hasSize(2);
    rounds.get(1).complete(-1L);
    assertThat(second).isCompleted();
  }

  @Test
  void readsArrivingWhileEveryRoundRunsShareTheNextOneNotARunningOne() {
    List<CompletableFuture<Long>> running = new ArrayList<>();
    for (int i = 0; i < ReadBarrier.MAX_ROUNDS_IN_FLIGHT; i++) {
      running.add(barrier.await(LONG));
    }
    CompletableFuture<Long> late = barrier.await(LONG);
    CompletableFuture<Long> later = barrier.await(LONG);

    assertThat(rounds).as("no more rounds than the limit").hasSize(ReadBarrier.MAX_ROUNDS_IN_FLIGHT);
    List.copyOf(rounds).forEach(round -> round.complete(-1L));
    assertThat(running).allMatch(CompletableFuture::isDone);
    assertThat(late).as("began after the running rounds' no-ops").isNotDone();
    assertThat(later).isNotDone();
    assertThat(rounds).as("the waiting reads share one round").hasSize(ReadBarrier.MAX_ROUNDS_IN_FLIGHT + 1);

    rounds.get(ReadBarrier.MAX_ROUNDS_IN_FLIGHT).complete(-1L);
    assertThat(late).isCompleted();
    assertThat(later).isCompleted();
    assertThat(rounds).hasSize(ReadBarrier.MAX_ROUNDS_IN_FLIGHT + 1);
  }

  @Test
  void aFailedRoundFailsItsReadsAndTheNextRoundStillRuns() throws Exception {
    CompletableFuture<Long> first = barrier.await(LONG);
    CompletableFuture<Long> second = barrier.await(LONG);

    rounds.get(0).completeExceptionally(new IOException("no leader"));

    assertThat(first).isCompletedExceptionally();
    assertThat(causeOf(first)).hasMessage("no leader");
    assertThat(rounds).hasSize(2);
    rounds.get(1).complete(-1L);
    assertThat(second).isCompleted();
  }

  @Test
  void aRoundWhoseReadsHaveAllGivenUpIsNotStarted() {
    CompletableFuture<Long> first = barrier.await(LONG);
    barrier.await(Duration.ofNanos(1));

    rounds.get(0).complete(-1L);

    assertThat(first).isCompleted();
    assertThat(rounds).as("no round for a read that is past its deadline").hasSize(1);
    // The barrier is idle again: the next read starts a round of its own.
    barrier.await(LONG);
    assertThat(rounds).hasSize(2);
  }

  @Test
  void aReadWhoseRoundPassedButThisNodeIsBehindSaysSo() throws Exception {
    ReadBarrier behind = new ReadBarrier(timeout -> CompletableFuture.completedFuture(42L),
        index -> new CompletableFuture<>(), Runnable::run);

    CompletableFuture<Long> read = behind.await(Duration.ofMillis(50));

    await().atMost(Duration.ofSeconds(5)).until(read::isDone);
    assertThat(causeOf(read)).isInstanceOfSatisfying(CatchingUpException.class,
        e -> assertThat(e.readIndex()).isEqualTo(42));
  }

  @Test
  void readsThatWaitedForTheApplyThreadPassOnTheHandOffExecutorAndOthersAtOnce() throws Exception {
    CompletableFuture<Void> applied = new CompletableFuture<>();
    List<Runnable> handedOff = new ArrayList<>();
    ReadBarrier waiting = new ReadBarrier(timeout -> CompletableFuture.completedFuture(7L), index -> applied,
        handedOff::add);

    CompletableFuture<Long> read = waiting.await(LONG);
    applied.complete(null); // in the node: on the apply thread
    assertThat(read).as("not passed on the apply thread").isNotDone();
    assertThat(handedOff).hasSize(1);
    handedOff.get(0).run();
    assertThat(read).isCompletedWithValue(7L);

    // Applied far enough already: the read passes on the thread that ended the round.
    assertThat(waiting.await(LONG)).isCompletedWithValue(7L);
    assertThat(handedOff).hasSize(1);
  }

  @Test
  void aReadWhoseRoundNeverPassedTimesOutPlainly() throws Exception {
    CompletableFuture<Long> read = barrier.await(Duration.ofMillis(50));

    await().atMost(Duration.ofSeconds(5)).until(read::isDone);
    assertThat(causeOf(read)).isInstanceOf(java.util.concurrent.TimeoutException.class);
  }

  private static Throwable causeOf(CompletableFuture<Long> failed) throws InterruptedException {
    try {
      failed.get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
