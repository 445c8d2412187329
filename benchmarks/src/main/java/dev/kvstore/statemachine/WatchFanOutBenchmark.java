package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One applied put delivered by {@link WatchHub#publish} to {@code watchers} watches that all match
 * it (each watching the key, or each watching a prefix of it), then taken by each watch's consumer
 * with one {@link Watch#poll()} so that queues stay empty: the cost per event of fanning out, on
 * the apply thread (publish) plus the consumers (poll), measured on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WatchFanOutBenchmark {

  @Param({"1", "100", "10000"})
  public int watchers;

  /** {@code exact}: every watch follows the key; {@code prefix}: every watch follows a prefix of it. */
  @Param({"exact", "prefix"})
  public String filter;

  private final WatchHub hub = new WatchHub(10_000, 64 << 20, 1024);
  private final List<Watch> watches = new ArrayList<>();
  private long revision;

  @Setup
  public void register() throws RevisionCompactedException {
    WatchFilter f = filter.equals("exact") ? WatchFilter.exact("users/42") : WatchFilter.prefix("users/");
    for (int i = 0; i < watchers; i++) {
      watches.add(hub.watch(f, 0, () -> { }));
    }
  }

  @TearDown
  public void check() {
    if (hub.activeWatches() != watchers) {
      throw new IllegalStateException("watches were cancelled during the benchmark: the result is void");
    }
  }

  @Benchmark
  public int publishAndPoll() {
    revision++;
    Event event = Event.put(new KeyValue("users/42", ByteString.EMPTY, 1, revision, revision), null);
    hub.publish(event);
    int polled = 0;
    for (Watch w : watches) {
      if (w.poll() != null) {
        polled++;
      }
    }
    return polled;
  }
}
