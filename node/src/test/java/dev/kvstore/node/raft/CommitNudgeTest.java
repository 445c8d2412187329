package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.statemachine.AppliedIndex;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A wait for a committed index that this node has not applied yet has the leader append a no-op. */
class CommitNudgeTest {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  /** Nudges sent, each completed by the test. */
  private final List<CompletableFuture<Void>> nudges = new CopyOnWriteArrayList<>();
  private final CommitNudge commits = new CommitNudge(new AppliedIndex(), () -> {
    CompletableFuture<Void> nudge = new CompletableFuture<>();
    nudges.add(nudge);
    return nudge;
  }, scheduler);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void anIndexAlreadyAppliedNeedsNoNudge() {
    // Nothing applied yet is index -1.
    assertThat(commits.applied(-1)).isCompleted();
    assertThat(nudges).isEmpty();
  }

  @Test
  void aWaitThatOutlastsTheGraceSendsOneNudge() {
    CompletableFuture<Void> waiting = commits.applied(7);

    await().atMost(Duration.ofSeconds(5)).until(() -> nudges.size() == 1);
    assertThat(waiting).isNotDone();
  }

  @Test
  void waitsDuringANudgeShareOneMoreNudgeAfterIt() {
    commits.applied(7);
    await().atMost(Duration.ofSeconds(5)).until(() -> nudges.size() == 1);

    // The running nudge may have left before these indexes were committed.
    commits.applied(8);
    commits.applied(9);
    // one at a time: no second nudge while the first is on its way
    await().during(Duration.ofMillis(10 * CommitNudge.GRACE_MS)).atMost(Duration.ofSeconds(5))
        .until(() -> nudges.size() == 1);

    nudges.get(0).complete(null);
    await().atMost(Duration.ofSeconds(5)).until(() -> nudges.size() == 2);
    nudges.get(1).complete(null);
    // nothing waited during the second one: no third
    await().during(Duration.ofMillis(10 * CommitNudge.GRACE_MS)).atMost(Duration.ofSeconds(5))
        .until(() -> nudges.size() == 2);
  }

  @Test
  void aFailedNudgeDoesNotStopLaterOnes() {
    commits.applied(7);
    await().atMost(Duration.ofSeconds(5)).until(() -> nudges.size() == 1);
    nudges.get(0).completeExceptionally(new IllegalStateException("no leader"));

    commits.applied(8);
    await().atMost(Duration.ofSeconds(5)).until(() -> nudges.size() == 2);
  }
}
