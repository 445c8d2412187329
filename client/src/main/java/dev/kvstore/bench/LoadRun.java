package dev.kvstore.bench;

import dev.kvstore.bench.Progress.Phase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One run of a {@link ClosedLoop}: {@code concurrency} slots, each sending a request, waiting for
 * its answer and sending the next, until the run's time or count is used up. A request counts in
 * the measurement when it was sent after the warm-up; its latency is recorded (in microseconds,
 * HdrHistogram with 3 significant digits) when it succeeded, its failure counted by reason
 * otherwise. Thread-safe: answers arrive on any thread.
 */
public final class LoadRun {

  private static final long NEVER = Long.MAX_VALUE;

  private final LoadSpec spec;
  private final List<Slot> slots = new ArrayList<>();
  private final List<OperationStats> stats = new ArrayList<>();
  private final int totalWeight;
  private final Function<Throwable, String> failureReason;
  private final LongSupplier clock;
  private final long startedAt;
  private final long warmupEnd;
  private final long stopAt;
  private final AtomicLong measuredSent = new AtomicLong();
  private final AtomicLong sequentialKey = new AtomicLong();
  private final AtomicInteger activeSlots = new AtomicInteger();
  /** When the run stopped sending by count (by time it is {@code stopAt}); NEVER before. */
  private final AtomicLong countExhaustedAt = new AtomicLong(NEVER);
  private final AtomicLong lastAnswer = new AtomicLong(Long.MIN_VALUE);
  private final LongAdder warmupAnswers = new LongAdder();
  private final AtomicBoolean reported = new AtomicBoolean();
  private final CompletableFuture<LoadReport> report = new CompletableFuture<>();
  private volatile boolean abandoned;

  LoadRun(LoadSpec spec, List<WeightedOperation> operations, Function<Throwable, String> failureReason,
      LongSupplier clock) {
    this.spec = spec;
    this.failureReason = failureReason;
    this.clock = clock;
    int weights = 0;
    for (WeightedOperation operation : operations) {
      weights += operation.weight();
      stats.add(new OperationStats(operation, weights));
    }
    this.totalWeight = weights;
    this.startedAt = clock.getAsLong();
    this.warmupEnd = startedAt + spec.warmup().toNanos();
    this.stopAt = spec.duration() == null ? NEVER : warmupEnd + spec.duration().toNanos();
  }

  void begin() {
    activeSlots.set(spec.concurrency());
    SplittableRandom seeds = new SplittableRandom(spec.seed());
    for (int i = 0; i < spec.concurrency(); i++) {
      slots.add(new Slot(seeds.split()));
    }
    slots.forEach(Slot::sendNext);
  }

  /** Where the run is now. */
  public Progress progress() {
    long now = clock.getAsLong();
    long completed = 0;
    long failed = 0;
    for (OperationStats operation : stats) {
      long failures = operation.failureCount();
      completed += operation.succeeded.sum() + failures;
      failed += failures;
    }
    if (report.isDone()) {
      return new Progress(Phase.DONE, 0, completed, failed);
    }
    long drainFrom = drainStart();
    if (now >= drainFrom) {
      return new Progress(Phase.DRAINING, now - drainFrom, completed, failed);
    }
    if (now < warmupEnd) {
      return new Progress(Phase.WARMUP, now - startedAt, completed, failed);
    }
    return new Progress(Phase.MEASURING, now - warmupEnd, completed, failed);
  }

  /** Waits up to {@code wait} (real time) for the run to finish; true when it has. */
  public boolean awaitDone(Duration wait) throws InterruptedException {
    try {
      report.get(wait.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("the run failed", e.getCause());
    }
  }

  /**
   * Waits for the run to finish, calling {@code onTick} about every {@code tick} (real time) with
   * the progress, and gives up on requests still unanswered {@code grace} after the run stopped
   * sending (by the run's clock): they count as {@link FailureReason#NO_ANSWER}. So a run never
   * outlasts its warm-up, its duration (or count) and the grace, plus one tick.
   */
  public LoadReport await(Duration grace, Duration tick, Consumer<Progress> onTick) throws InterruptedException {
    while (!awaitDone(tick)) {
      Progress progress = progress();
      onTick.accept(progress);
      if (progress.phase() == Phase.DRAINING && progress.phaseNanos() >= grace.toNanos()) {
        abandon();
      }
    }
    onTick.accept(progress());
    return report.join();
  }

  /**
   * Stops sending, and reports now: requests still in flight count as
   * {@link FailureReason#NO_ANSWER}, and their answers, when they come, are ignored.
   */
  public void abandon() {
    abandoned = true;
    finish(clock.getAsLong());
  }

  /** The report, once the run is done (see {@link #awaitDone}). */
  public LoadReport report() {
    if (!report.isDone()) {
      throw new IllegalStateException("the run is not done");
    }
    return report.join();
  }

  private long drainStart() {
    return Math.min(stopAt, countExhaustedAt.get());
  }

  private void finish(long now) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    long end = abandoned ? now : lastAnswer.get();
    long measuredNanos = Math.max(0, end - warmupEnd);
    Histogram all = new Histogram(3);
    List<OperationResult> results = new ArrayList<>();
    for (OperationStats operation : stats) {
      Histogram latencies = operation.latencies.getIntervalHistogram();
      all.add(latencies);
      Map<String, Long> failures = new HashMap<>();
      operation.failures.forEach((reason, count) -> failures.put(reason, count.sum()));
      long unanswered = operation.inFlight.get();
      if (abandoned && unanswered > 0) {
        failures.merge(FailureReason.NO_ANSWER, unanswered, Long::sum);
      }
      long succeeded = latencies.getTotalCount();
      double perSecond = measuredNanos == 0 ? 0 : succeeded * 1e9 / measuredNanos;
      results.add(new OperationResult(
          operation.operation.name(), succeeded, failures, perSecond, Latency.of(latencies)));
    }
    report.complete(new LoadReport(Duration.ofNanos(measuredNanos), results, warmupAnswers.sum(), Latency.of(all)));
  }

  private OperationStats pick(SplittableRandom random) {
    if (stats.size() == 1) {
      return stats.get(0);
    }
    int ticket = random.nextInt(totalWeight);
    for (OperationStats operation : stats) {
      if (ticket < operation.cumulativeWeight) {
        return operation;
      }
    }
    throw new IllegalStateException("weights changed");
  }

  private long pickKey(SplittableRandom random) {
    return spec.keyOrder() == LoadSpec.KeyOrder.SEQUENTIAL
        ? sequentialKey.getAndIncrement() % spec.keys()
        : random.nextLong(spec.keys());
  }

  /** One request in flight at a time; its answer sends the next. */
  private final class Slot {
    private final SplittableRandom random;

    Slot(SplittableRandom random) {
      this.random = random;
    }

    void sendNext() {
      // A loop, not recursion, for answers that are already there when send returns.
      while (true) {
        long now = clock.getAsLong();
        Boolean measured = mayStart(now);
        if (measured == null) {
          if (activeSlots.decrementAndGet() == 0) {
            finish(now);
          }
          return;
        }
        OperationStats operation = pick(random);
        long key = pickKey(random);
        if (measured) {
          operation.inFlight.incrementAndGet();
        }
        CompletableFuture<?> answer;
        try {
          answer = operation.operation.operation().send(key);
        } catch (RuntimeException e) {
          answer = CompletableFuture.failedFuture(e);
        }
        long sentAt = now;
        boolean alreadyAnswered = answer.isDone();
        answer.whenComplete((response, failure) -> {
          answered(operation, measured, sentAt, failure);
          if (!alreadyAnswered) {
            sendNext();
          }
        });
        if (!alreadyAnswered) {
          return;
        }
      }
    }

    /** Whether a request may be sent now: null when not, else whether it is measured. */
    private Boolean mayStart(long now) {
      if (abandoned) {
        return null;
      }
      if (now < warmupEnd) {
        return false;
      }
      if (now >= stopAt) {
        return null;
      }
      if (spec.count() > 0 && measuredSent.getAndIncrement() >= spec.count()) {
        countExhaustedAt.compareAndSet(NEVER, now);
        return null;
      }
      return true;
    }
  }

  private void answered(OperationStats operation, boolean measured, long sentAt, Throwable failure) {
    if (!measured) {
      warmupAnswers.increment();
      return;
    }
    long now = clock.getAsLong();
    operation.inFlight.decrementAndGet();
    if (abandoned) {
      return;
    }
    if (failure == null) {
      operation.latencies.recordValue(Math.max(1, (now - sentAt) / 1000));
      operation.succeeded.increment();
    } else {
      operation.failures.computeIfAbsent(failureReason.apply(failure), reason -> new LongAdder()).increment();
    }
    lastAnswer.accumulateAndGet(now, Math::max);
  }

  /** What one operation has done so far in this run. */
  private static final class OperationStats {
    final WeightedOperation operation;
    /** The sum of the weights up to and including this operation's, to pick by weight. */
    final int cumulativeWeight;
    final Recorder latencies = new Recorder(3);
    final LongAdder succeeded = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final AtomicLong inFlight = new AtomicLong();

    OperationStats(WeightedOperation operation, int cumulativeWeight) {
      this.operation = operation;
      this.cumulativeWeight = cumulativeWeight;
    }

    long failureCount() {
      return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }
  }
}
