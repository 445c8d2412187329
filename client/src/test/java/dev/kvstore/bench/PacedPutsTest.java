package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.client.KvClientException;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The open-loop writer on a clock that moves 100 microseconds at every reading, so runs are short
 * and nothing depends on how fast the machine is.
 */
class PacedPutsTest {

  private static final Duration TICK = Duration.ofMillis(5);
  private static final long START = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(START);
  private final WatchLayout layout = new WatchLayout("w/", 20, 2, false);
  private final DeliveryLog log = new DeliveryLog(layout);
  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final AtomicLong revision = new AtomicLong();

  private record Sent(String key, long stamp) {}

  private long clock() {
    return now.addAndGet(100_000);
  }

  private PacedPuts.Result run(int maxInFlight, PacedPuts.Sender sender, Duration grace) throws InterruptedException {
    PacedPuts puts = new PacedPuts(layout, 1000, maxInFlight, new StampedValue(32, 1), (key, value) -> {
      sent.add(new Sent(key, StampedValue.sentNanos(value)));
      return sender.put(key, value);
    }, log, 3, FailureReason::of, this::clock);
    return puts.run(START, grace, TICK, progress -> { });
  }

  @Test
  void everyDuePutIsSentStampedWithItsSendTimeAndMeasuredInTheWindow() throws Exception {
    log.measure(START + 10_000_000, START + 60_000_000);

    PacedPuts.Result result = run(100, (key, value) -> CompletableFuture.completedFuture(revision.incrementAndGet()),
        Duration.ZERO);

    long measured = sent.stream().filter(s -> log.measured(s.stamp())).count();
    assertThat(sent).hasSizeGreaterThan((int) measured);
    assertThat(result.due()).isEqualTo(measured).isPositive();
    assertThat(result.succeeded()).isEqualTo(measured);
    assertThat(result.skipped()).isZero();
    assertThat(result.failures()).isEmpty();
    assertThat(result.measured()).isEqualTo(Duration.ofMillis(50));
    assertThat(sent).allSatisfy(s -> assertThat(s.key()).matches("w/[0-9]"));
    assertThat(sent).extracting(Sent::stamp).isSorted();
    assertThat(log.expected()).as("each acknowledged put is due to both watchers of its key")
        .isEqualTo(2 * measured);
  }

  @Test
  void putsBeyondTheInFlightBoundAreSkippedAndThoseNeverAnsweredCountAsNoAnswer() throws Exception {
    log.measure(START, START + 20_000_000);

    PacedPuts.Result result = run(5, (key, value) -> new CompletableFuture<>(), Duration.ZERO);

    assertThat(sent).hasSize(5);
    assertThat(result.skipped()).isEqualTo(result.due() - 5).isPositive();
    assertThat(result.succeeded()).isZero();
    assertThat(result.failures()).isEqualTo(Map.of(FailureReason.NO_ANSWER, 5L));
  }

  @Test
  void failedPutsAreCountedByStatusCode() throws Exception {
    log.measure(START, START + 20_000_000);

    PacedPuts.Result result = run(100, (key, value) -> CompletableFuture.failedFuture(
        new KvClientException(Status.Code.UNAVAILABLE, "no leader", false, null)), Duration.ZERO);

    assertThat(result.failures()).isEqualTo(Map.of("UNAVAILABLE", result.due()));
    assertThat(result.succeeded()).isZero();
    assertThat(log.expected()).isZero();
  }

  @Test
  void aStampIsReadBackFromTheValue() {
    ByteString value = new StampedValue(256, 1).stamped(-123_456_789L);

    assertThat(value.size()).isEqualTo(256);
    assertThat(StampedValue.sentNanos(value)).isEqualTo(-123_456_789L);
  }
}
