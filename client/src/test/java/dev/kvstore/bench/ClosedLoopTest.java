package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.client.KvClientException;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The load loop against fake operations and a fake clock: counts, failures, warm-up and the bound
 * on requests in flight. Nothing here depends on how fast the machine is.
 */
class ClosedLoopTest {

  private static final Duration TICK = Duration.ofMillis(5);
  private static final Duration GRACE = Duration.ofSeconds(5);

  /** A clock that moves only when told to. */
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private ClosedLoop loop(LoadSpec spec, WeightedOperation... operations) {
    return new ClosedLoop(spec, List.of(operations), FailureReason::of, now::get);
  }

  private static WeightedOperation only(String name, Operation operation) {
    return new WeightedOperation(name, 1, operation);
  }

  /** Answers at once, after the fake clock moved by {@code millis}. */
  private Operation answeringAfter(long millis) {
    return key -> {
      now.addAndGet(millis * 1_000_000);
      return CompletableFuture.completedFuture("ok");
    };
  }

  private static LoadReport run(ClosedLoop loop) throws InterruptedException {
    return loop.start().await(GRACE, TICK, progress -> { });
  }

  @Test
  void aCountedRunSendsExactlyTheCountAndRecordsEveryLatency() throws Exception {
    AtomicInteger sent = new AtomicInteger();
    Operation counting = key -> {
      sent.incrementAndGet();
      now.addAndGet(2_000_000);
      return CompletableFuture.completedFuture(null);
    };

    LoadReport report = run(loop(LoadSpec.forCount(8, 100, Duration.ZERO, 1000), only("put", counting)));

    assertThat(sent).hasValue(1000);
    assertThat(report.succeeded()).isEqualTo(1000);
    assertThat(report.failed()).isZero();
    assertThat(report.operation("put").latency().p50()).isEqualTo(2000);
    assertThat(report.operation("put").latency().max()).isEqualTo(2000);
    // 1000 requests of 2 ms each, one after the other on the fake clock: 2 s, 500 per second.
    assertThat(report.measured()).isEqualTo(Duration.ofSeconds(2));
    assertThat(report.opsPerSecond()).isEqualTo(500.0);
  }

  @Test
  void neverMoreRequestsInFlightThanTheConcurrency() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    Queue<CompletableFuture<Object>> unanswered = new ConcurrentLinkedQueue<>();
    Operation held = key -> {
      sent.incrementAndGet();
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      CompletableFuture<Object> answer = new CompletableFuture<>();
      unanswered.add(answer);
      return answer;
    };

    LoadRun run = loop(LoadSpec.forCount(16, 1000, Duration.ZERO, 500), only("get", held)).start();
    LoadReport report = run.await(GRACE, TICK, progress -> {
      // Answer what is in flight now; the loop sends the next requests from inside complete().
      for (int i = unanswered.size(); i > 0; i--) {
        CompletableFuture<Object> answer = unanswered.poll();
        inFlight.decrementAndGet();
        answer.complete("value");
      }
    });

    assertThat(mostInFlight).hasValue(16);
    assertThat(sent).hasValue(500);
    assertThat(report.succeeded()).isEqualTo(500);
  }

  @Test
  void failuresAreCountedByStatusCodeAndLeftOutOfTheLatencies() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Operation flaky = key -> {
      int call = calls.incrementAndGet();
      now.addAndGet(1_000_000);
      if (call % 3 == 0) {
        return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription("no leader").asRuntimeException());
      }
      if (call % 5 == 0) {
        return CompletableFuture.failedFuture(
            new KvClientException(Status.Code.DEADLINE_EXCEEDED, "no endpoint answered", true, null));
      }
      if (call == 7) {
        throw new IllegalStateException("client closed");
      }
      return CompletableFuture.completedFuture(null);
    };

    LoadReport report = run(loop(LoadSpec.forCount(1, 10, Duration.ZERO, 30), only("put", flaky)));

    // Of 1..30: 10 multiples of 3; 4 multiples of 5 but not of 3; call 7 threw.
    OperationResult put = report.operation("put");
    assertThat(put.failures()).isEqualTo(
        Map.of("UNAVAILABLE", 10L, "DEADLINE_EXCEEDED", 4L, "IllegalStateException", 1L));
    assertThat(put.succeeded()).isEqualTo(15);
    assertThat(report.latency().p99()).isEqualTo(1000);
  }

  @Test
  void warmupRequestsAreNotMeasured() throws Exception {
    // Each request takes 1 ms of the fake clock, one at a time: the 10 ms warm-up is 10 requests.
    LoadRun run = loop(LoadSpec.forCount(1, 10, Duration.ofMillis(10), 50), only("put", answeringAfter(1))).start();
    LoadReport report = run.await(GRACE, TICK, progress -> { });

    assertThat(report.warmupRequests()).isEqualTo(10);
    assertThat(report.succeeded()).isEqualTo(50);
    assertThat(report.measured()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void aTimedRunStopsSendingAtItsEnd() throws Exception {
    LoadRun run = loop(LoadSpec.forDuration(1, 10, Duration.ofMillis(5), Duration.ofMillis(100)),
        only("get", answeringAfter(1))).start();
    LoadReport report = run.await(GRACE, TICK, progress -> { });

    assertThat(report.warmupRequests()).isEqualTo(5);
    assertThat(report.succeeded()).isEqualTo(100);
    assertThat(report.opsPerSecond()).isEqualTo(1000.0);
    assertThat(run.progress().phase()).isEqualTo(Progress.Phase.DONE);
  }

  @Test
  void aMixSplitsRequestsByWeight() throws Exception {
    AtomicInteger puts = new AtomicInteger();
    AtomicInteger gets = new AtomicInteger();
    Operation put = key -> CompletableFuture.completedFuture(puts.incrementAndGet());
    Operation get = key -> CompletableFuture.completedFuture(gets.incrementAndGet());

    LoadReport report = run(loop(LoadSpec.forCount(4, 100, Duration.ZERO, 4000),
        new WeightedOperation("put", 1, put), new WeightedOperation("get", 3, get)));

    assertThat(puts.get() + gets.get()).isEqualTo(4000);
    // The seed is fixed, so this split is always the same; 1:3 would be 1000:3000.
    assertThat(puts.get()).isBetween(800, 1200);
    assertThat(report.operation("put").succeeded()).isEqualTo(puts.get());
    assertThat(report.operation("get").succeeded()).isEqualTo(gets.get());
  }

  @Test
  void keysComeFromTheKeySpaceAndEveryKeyOnceInOrder() throws Exception {
    Queue<Long> keys = new ConcurrentLinkedQueue<>();
    Operation recording = key -> {
      keys.add(key);
      return CompletableFuture.completedFuture(null);
    };

    run(loop(LoadSpec.everyKeyOnce(3, 50), only("put", recording)));
    assertThat(keys).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 50).boxed().toList());

    keys.clear();
    run(loop(LoadSpec.forCount(3, 7, Duration.ZERO, 500), only("put", recording)));
    assertThat(keys).hasSize(500).allSatisfy(key -> assertThat(key).isBetween(0L, 6L));
  }

  @Test
  void requestsStillUnansweredAfterTheGraceCountAsNoAnswer() throws Exception {
    Operation silent = key -> new CompletableFuture<>();
    LoadRun run = loop(LoadSpec.forDuration(4, 10, Duration.ZERO, Duration.ofMillis(10)), only("get", silent)).start();

    // Every tick moves the fake clock 10 ms: the run ends, then the 30 ms grace passes.
    LoadReport report = run.await(Duration.ofMillis(30), TICK, progress -> now.addAndGet(10_000_000));

    assertThat(report.operation("get").failures()).isEqualTo(Map.of(FailureReason.NO_ANSWER, 4L));
    assertThat(report.succeeded()).isZero();
  }

  @Test
  void specsRefuseImpossibleShapes() {
    assertThatThrownBy(() -> LoadSpec.forCount(0, 10, Duration.ZERO, 1))
        .hasMessageContaining("concurrency must be at least 1");
    assertThatThrownBy(() -> LoadSpec.forCount(1, 0, Duration.ZERO, 1)).hasMessageContaining("keys");
    assertThatThrownBy(() -> LoadSpec.forCount(1, 1, Duration.ZERO, 0)).hasMessageContaining("count");
    assertThatThrownBy(() -> LoadSpec.forDuration(1, 1, Duration.ofSeconds(-1), Duration.ofSeconds(1)))
        .hasMessageContaining("warmup");
  }
}
