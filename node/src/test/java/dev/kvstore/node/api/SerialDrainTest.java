package dev.kvstore.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialDrainTest {

  private final ExecutorService executor = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void everySignalIsFollowedByAStepThatSeesWhatItAnnouncedAndStepsNeverOverlap() throws Exception {
    AtomicLong produced = new AtomicLong();
    AtomicLong consumed = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean();
    AtomicInteger overlaps = new AtomicInteger();
    SerialDrain drain = new SerialDrain(executor, () -> {
      if (!running.compareAndSet(false, true)) {
        overlaps.incrementAndGet();
      }
      consumed.set(produced.get());
      running.set(false);
      return true;
    }, e -> { });

    int threads = 4;
    int signalsEach = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread producer = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < signalsEach; i++) {
          produced.incrementAndGet();
          drain.signal();
        }
      });
      producer.start();
      producers.add(producer);
    }
    start.countDown();
    for (Thread producer : producers) {
      producer.join(TimeUnit.SECONDS.toMillis(30));
    }

    // No signal lost: the last one is followed by a step that sees everything produced before it.
    await().atMost(Duration.ofSeconds(10)).until(() -> consumed.get() == (long) threads * signalsEach);
    assertThat(overlaps).hasValue(0);
  }

  @Test
  void aStepThatUsedUpItsBatchRunsAgainWithoutANewSignal() {
    AtomicInteger backlog = new AtomicInteger(1_000);
    AtomicInteger runs = new AtomicInteger();
    SerialDrain drain = new SerialDrain(executor, () -> {
      runs.incrementAndGet();
      // a batch of 100, then yield
      int left = backlog.updateAndGet(n -> Math.max(0, n - 100));
      return left == 0;
    }, e -> { });

    drain.signal();

    await().atMost(Duration.ofSeconds(10)).until(() -> backlog.get() == 0);
    assertThat(runs.get()).isGreaterThanOrEqualTo(10);
  }

  @Test
  void aFailingStepIsReportedAndLaterSignalsStillRunIt() {
    AtomicReference<RuntimeException> reported = new AtomicReference<>();
    AtomicInteger runs = new AtomicInteger();
    SerialDrain drain = new SerialDrain(executor, () -> {
      if (runs.incrementAndGet() == 1) {
        throw new IllegalStateException("boom");
      }
      return true;
    }, e -> {
      reported.set(e);
      throw new IllegalArgumentException("the failure handler failed too");
    });

    drain.signal();
    await().atMost(Duration.ofSeconds(10)).until(() -> reported.get() != null);
    drain.signal();

    await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
    assertThat(reported.get()).hasMessage("boom");
  }
}
