package dev.kvstore.bench;

import com.google.protobuf.ByteString;
import dev.kvstore.bench.Progress.Phase;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.HdrHistogram.Recorder;

/**
 * An open-loop writer: puts to random keys of a {@link WatchLayout} at a fixed rate, whatever the
 * answers (as etcd's {@code benchmark watch-latency --put-rate}), each value stamped with its send
 * time ({@link StampedValue}), every success told to a {@link DeliveryLog}. Put {@code n} is due
 * at {@code start + n / rate}; a sender that fell behind (a pause) sends what is due at once, and
 * the largest lag is reported. At most {@code maxInFlight} puts are unanswered at a time: a put due
 * beyond that is not sent and is counted as skipped, so a stalled cluster never piles up requests.
 */
public final class PacedPuts {

  /** Sends one put; the future completes with the revision of the change. */
  @FunctionalInterface
  public interface Sender {
    CompletableFuture<Long> put(String key, ByteString value);
  }

  private final WatchLayout layout;
  private final double rate;
  private final int maxInFlight;
  private final StampedValue values;
  private final Sender sender;
  private final DeliveryLog log;
  private final Function<Throwable, String> failureReason;
  private final LongSupplier clock;
  private final SplittableRandom random;

  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong measuredInFlight = new AtomicLong();
  private final LongAdder measuredSent = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Recorder latency = new Recorder(3);
  private long maxLagNanos;

  /**
   * @param rate puts per second (above 0)
   * @param maxInFlight unanswered puts allowed at a time (at least 1)
   * @param seed picks the keys: the same sequence for the same seed
   */
  public PacedPuts(WatchLayout layout, double rate, int maxInFlight, StampedValue values, Sender sender,
      DeliveryLog log, long seed) {
    this(layout, rate, maxInFlight, values, sender, log, seed, FailureReason::of, System::nanoTime);
  }

  /**
   * The same, with how failures are named in the result (e.g. another client's error codes) and
   * the clock, in nanoseconds on the scale of {@link System#nanoTime}.
   */
  public PacedPuts(WatchLayout layout, double rate, int maxInFlight, StampedValue values, Sender sender, DeliveryLog log,
      long seed, Function<Throwable, String> failureReason, LongSupplier clock) {
    if (!(rate > 0) || maxInFlight < 1) {
      throw new IllegalArgumentException("rate must be above 0 and maxInFlight at least 1, got " + rate
          + " and " + maxInFlight);
    }
    this.layout = layout;
    this.rate = rate;
    this.maxInFlight = maxInFlight;
    this.values = values;
    this.sender = sender;
    this.log = log;
    this.failureReason = failureReason;
    this.clock = clock;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Sends from {@code start} (on the clock's nanosecond scale) until the end of the log's measured
   * window (puts sent before it are the warm-up), then waits for the answers still due, at most
   * {@code grace}: those still unanswered count as {@link FailureReason#NO_ANSWER}. Calls
   * {@code onTick} on this thread about every {@code tick}. Blocks until done.
   *
   * @throws InterruptedException when the thread is interrupted (puts in flight are left to finish)
   */
  public Result run(long start, Duration grace, Duration tick, Consumer<Progress> onTick) throws InterruptedException {
    long measureFrom = log.measureFrom();
    long stop = log.measureUntil();
    double intervalNanos = 1e9 / rate;
    long tickNanos = tick.toNanos();
    long nextTick = start;
    for (long n = 0; ; n++) {
      long due = start + (long) (n * intervalNanos);
      if (due - stop >= 0) {
        break;
      }
      long now = clock.getAsLong();
      while (due - now > 0) {
        if (now - nextTick >= 0) {
          onTick.accept(progress(now, start, measureFrom, stop));
          nextTick = now + tickNanos;
        }
        pause(Math.min(due - now, nextTick - now));
        now = clock.getAsLong();
      }
      if (now - nextTick >= 0) {
        onTick.accept(progress(now, start, measureFrom, stop));
        nextTick = now + tickNanos;
      }
      send(now, due, log.measured(now));
    }
    long drainUntil = clock.getAsLong() + grace.toNanos();
    while (inFlight.get() > 0 && clock.getAsLong() - drainUntil < 0) {
      onTick.accept(progress(clock.getAsLong(), start, measureFrom, stop));
      pause(Math.min(tickNanos, Math.max(1, drainUntil - clock.getAsLong())));
    }
    return result(Duration.ofNanos(stop - measureFrom));
  }

  private static void pause(long nanos) throws InterruptedException {
    LockSupport.parkNanos(nanos);
    if (Thread.interrupted()) {
      throw new InterruptedException("paced puts interrupted");
    }
  }

  private void send(long now, long due, boolean measured) {
    if (measured) {
      maxLagNanos = Math.max(maxLagNanos, now - due);
      measuredSent.increment();
    }
    if (inFlight.get() >= maxInFlight) {
      if (measured) {
        skipped.increment();
      }
      return;
    }
    int key = random.nextInt(layout.keys());
    inFlight.incrementAndGet();
    if (measured) {
      measuredInFlight.incrementAndGet();
    }
    CompletableFuture<Long> answer;
    try {
      answer = sender.put(layout.putKey(key), values.stamped(now));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((revision, failure) -> {
      if (measured) {
        answered(key, now, revision, failure);
        measuredInFlight.decrementAndGet();
      }
      inFlight.decrementAndGet();
    });
  }

  private void answered(int key, long sentAt, Long revision, Throwable failure) {
    if (failure == null) {
      latency.recordValue(Math.max(1, (clock.getAsLong() - sentAt) / 1000));
      succeeded.increment();
      log.acknowledged(key, revision, sentAt);
    } else {
      failures.computeIfAbsent(failureReason.apply(failure), reason -> new LongAdder()).increment();
    }
  }

  private Progress progress(long now, long start, long measureFrom, long stop) {
    long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
    long completed = succeeded.sum() + failed;
    if (now - measureFrom < 0) {
      return new Progress(Phase.WARMUP, now - start, completed, failed);
    }
    if (now - stop < 0) {
      return new Progress(Phase.MEASURING, now - measureFrom, completed, failed);
    }
    return new Progress(Phase.DRAINING, now - stop, completed, failed);
  }

  private Result result(Duration measured) {
    Map<String, Long> failed = new TreeMap<>();
    failures.forEach((reason, count) -> failed.put(reason, count.sum()));
    long unanswered = measuredInFlight.get();
    if (unanswered > 0) {
      failed.merge(FailureReason.NO_ANSWER, unanswered, Long::sum);
    }
    long ok = succeeded.sum();
    return new Result(measured, measuredSent.sum(), ok, skipped.sum(), failed,
        Latency.of(latency.getIntervalHistogram()), Duration.ofNanos(maxLagNanos));
  }

  /**
   * The measured puts of a run.
   *
   * @param measured the measured window (the duration asked for)
   * @param due puts due in the window (its length times the rate)
   * @param succeeded puts answered with success
   * @param skipped puts due but not sent: {@code maxInFlight} were unanswered
   * @param failures failed puts by reason (gRPC status code, {@code NO_ANSWER})
   * @param latency of the successful puts, from sending to the answer
   * @param maxLag how late the most delayed put was sent after it was due
   */
  public record Result(Duration measured, long due, long succeeded, long skipped, Map<String, Long> failures,
      Latency latency, Duration maxLag) {

    public Result {
      failures = Collections.unmodifiableMap(new TreeMap<>(failures));
    }

    /** Successful puts per second of the measured window. */
    public double putsPerSecond() {
      return measured.isZero() ? 0 : succeeded * 1e9 / measured.toNanos();
    }

    /** All failed puts. */
    public long failed() {
      return failures.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
