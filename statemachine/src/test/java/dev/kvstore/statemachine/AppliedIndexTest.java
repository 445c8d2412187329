package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AppliedIndexTest {

  private final AppliedIndex index = new AppliedIndex();

  @Test
  void futuresCompleteWhenTheirIndexIsAppliedAndNotBefore() {
    CompletableFuture<Void> five = index.reached(5);
    CompletableFuture<Void> seven = index.reached(7);
    index.advance(4);
    assertThat(five).isNotDone();
    index.advance(6);
    assertThat(five).isDone();
    assertThat(seven).isNotDone();
    index.advance(7);
    assertThat(seven).isDone();
    assertThat(index.current()).isEqualTo(7);
  }

  @Test
  void anIndexAlreadyAppliedIsReachedAtOnce() {
    index.advance(10);
    assertThat(index.reached(3)).isDone();
    assertThat(index.reached(10)).isDone();
  }

  @Test
  void oneCallerCompletingItsWaitEarlyDoesNotReleaseAnother() {
    CompletableFuture<Void> timedOut = index.reached(5);
    CompletableFuture<Void> other = index.reached(5);

    timedOut.complete(null);

    assertThat(other).isNotDone();
    assertThat(index.reached(5)).isNotDone();
    index.advance(5);
    assertThat(other).isDone();
  }

  @Test
  void theAppliedIndexNeverGoesBack() {
    index.advance(10);
    index.advance(8);
    assertThat(index.current()).isEqualTo(10);
  }
}
