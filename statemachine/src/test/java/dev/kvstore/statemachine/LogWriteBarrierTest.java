package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogWriteBarrierTest {

  @Test
  void returnsAtOnceWhenEverythingIsWritten() {
    LogWriteBarrier barrier = new LogWriteBarrier(() -> 40, () -> 40, Duration.ofSeconds(10));

    LogWriteBarrier.Outcome outcome = barrier.await();

    assertThat(outcome.written()).isTrue();
    assertThat(outcome.target()).isEqualTo(40);
  }

  @Test
  void waitsUntilTheWriterCatchesUpWithTheEntriesHeldWhenItBegan() throws Exception {
    AtomicLong flushed = new AtomicLong(10);
    AtomicLong last = new AtomicLong(25);
    CountDownLatch polled = new CountDownLatch(3);
    LogWriteBarrier barrier = new LogWriteBarrier(() -> {
      polled.countDown();
      return flushed.get();
    }, last::get, Duration.ofSeconds(30));

    CompletableFuture<LogWriteBarrier.Outcome> waiting = CompletableFuture.supplyAsync(barrier::await);
    assertThat(polled.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(waiting).isNotDone();
    // entries appended after the wait began are not waited for
    last.set(60);
    flushed.set(25);

    LogWriteBarrier.Outcome outcome = waiting.get(10, TimeUnit.SECONDS);
    assertThat(outcome.written()).isTrue();
    assertThat(outcome.target()).isEqualTo(25);
    assertThat(outcome.flushed()).isEqualTo(25);
  }

  @Test
  void givesUpAfterTheLimitAndSaysHowFarTheWriterGot() {
    LogWriteBarrier barrier = new LogWriteBarrier(() -> 7, () -> 9, Duration.ofMillis(20));

    LogWriteBarrier.Outcome outcome = barrier.await();

    assertThat(outcome.written()).isFalse();
    assertThat(outcome.flushed()).isEqualTo(7);
    assertThat(outcome.target()).isEqualTo(9);
    assertThat(outcome.waitedMs()).isGreaterThanOrEqualTo(20);
  }
}
