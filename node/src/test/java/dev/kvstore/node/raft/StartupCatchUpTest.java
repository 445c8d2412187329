package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StartupCatchUpTest {

  private final List<CompletableFuture<Long>> barriers = new ArrayList<>();
  private final StartupCatchUp catchUp = new StartupCatchUp("n1", timeout -> {
    CompletableFuture<Long> barrier = new CompletableFuture<>();
    barriers.add(barrier);
    return barrier;
  }, Duration.ofSeconds(3));

  @Test
  void caughtUpOnlyOnceABarrierPassesAndOneAttemptAtATime() {
    catchUp.attempt();
    catchUp.attempt();
    assertThat(barriers).as("the second attempt waits for the first").hasSize(1);
    assertThat(catchUp.caughtUp()).isFalse();

    barriers.get(0).completeExceptionally(new IllegalStateException("no leader yet"));
    assertThat(catchUp.caughtUp()).as("a failed barrier proves nothing").isFalse();

    catchUp.attempt();
    assertThat(barriers).hasSize(2);
    barriers.get(1).complete(42L);
    assertThat(catchUp.caughtUp()).isTrue();

    catchUp.attempt();
    assertThat(barriers).as("no more attempts once caught up").hasSize(2);
  }

  @Test
  void aBarrierThatThrowsLeavesTheNextAttemptFree() {
    int[] calls = {0};
    StartupCatchUp throwing = new StartupCatchUp("n1", timeout -> {
      calls[0]++;
      throw new IllegalStateException("closed");
    }, Duration.ofSeconds(3));
    throwing.attempt();
    throwing.attempt();
    assertThat(calls[0]).isEqualTo(2);
    assertThat(throwing.caughtUp()).isFalse();
  }
}
