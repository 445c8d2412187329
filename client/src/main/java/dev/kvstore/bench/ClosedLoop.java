package dev.kvstore.bench;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A closed-loop load generator: a fixed number of requests in flight, each answer sending the next
 * one at once (as etcd's {@code benchmark} tool and YCSB do), so the offered load adapts to what
 * the system sustains and latency is measured at that load. It knows nothing of the system under
 * test: requests are {@link Operation}s, so kvstore and etcd are measured by the same code.
 *
 * <p>Reusable: each {@link #start} is an independent run.
 */
public final class ClosedLoop {

  private final LoadSpec spec;
  private final List<WeightedOperation> operations;
  private final Function<Throwable, String> failureReason;
  private final LongSupplier clock;

  /**
   * @param spec concurrency, keys, warm-up and length of each run
   * @param operations what to send and in what proportions (at least one)
   * @param failureReason how a failed request is counted (see {@link FailureReason#of})
   * @param clock nanoseconds, as {@link System#nanoTime} (tests pass their own)
   */
  public ClosedLoop(
      LoadSpec spec, List<WeightedOperation> operations, Function<Throwable, String> failureReason, LongSupplier clock) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.operations = List.copyOf(operations);
    this.failureReason = Objects.requireNonNull(failureReason, "failureReason");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (this.operations.isEmpty()) {
      throw new IllegalArgumentException("at least one operation is required");
    }
  }

  /** A loop on the system clock, counting failures by {@link FailureReason#of}. */
  public ClosedLoop(LoadSpec spec, List<WeightedOperation> operations) {
    this(spec, operations, FailureReason::of, System::nanoTime);
  }

  public LoadSpec spec() {
    return spec;
  }

  /**
   * Starts a run: sends the first {@code concurrency} requests from this thread and returns; the
   * rest are sent from the threads their predecessors' answers complete on.
   */
  public LoadRun start() {
    LoadRun run = new LoadRun(spec, operations, failureReason, clock);
    run.begin();
    return run;
  }
}
