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
 * One applied put delivered by {@link WatchHub#publish} to the watches it matches, then taken by
 * each matching watch's consumer with one {@link Watch#poll()} so that queues stay empty: the cost
 * per event of fanning out, on the apply thread (publish) plus the consumers (poll), measured on
 * one thread.
 *
 * <p>{@code matching=all}: the {@code watchers} watches all match the event (all on its key, or
 * all on one prefix of it), so the cost is the fan-out itself. {@code matching=one}: each watch
 * follows its own key (or its own prefix, such as {@code users/00042/}) and only one of them matches, so
 * the cost is finding it among the others (see {@link WatchIndex}): it should not grow with
 * {@code watchers}.
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

  /** {@code exact}: watches follow keys; {@code prefix}: watches follow prefixes. */
  @Param({"exact", "prefix"})
  public String filter;

  /** {@code all}: every watch matches the event; {@code one}: exactly one does. */
  @Param({"all", "one"})
  public String matching;

  private final WatchHub hub = new WatchHub(new MvccStore(10_000), 1024);
  /** The watches the event matches: the only ones whose consumers have anything to poll. */
  private final List<Watch> matched = new ArrayList<>();
  private String eventKey;
  private long revision;

  @Setup
  public void register() throws RevisionCompactedException {
    boolean exact = filter.equals("exact");
    boolean all = matching.equals("all");
    int target = watchers / 2;
    eventKey = exact ? key(target) : key(target) + "/name";
    for (int i = 0; i < watchers; i++) {
      WatchFilter f = all
          ? (exact ? WatchFilter.exact(key(target)) : WatchFilter.prefix("users/"))
          : (exact ? WatchFilter.exact(key(i)) : WatchFilter.prefix(key(i) + "/"));
      Watch w = hub.watch(f, 0, () -> { });
      if (all || i == target) {
        matched.add(w);
      }
    }
  }

  private static String key(int number) {
    return String.format("users/%05d", number);
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
    Event event = Event.put(new KeyValue(eventKey, ByteString.EMPTY, 1, revision, revision), null);
    hub.publish(event);
    int polled = 0;
    for (Watch w : matched) {
      if (w.poll() != null) {
        polled++;
      }
    }
    return polled;
  }
}
