package dev.kvstore.node;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A sustained load for {@link ClassArchiveTraining}'s AOT-cache run (JDK 25+, JEP 515): what a
 * serving cluster does most, long enough for the JIT to profile it, so that a node started with
 * the cache compiles those paths from the recorded profiles instead of first gathering its own
 * (about twice the puts in a fresh cluster's first minute, docs/benchmarks.md "Warm-up").
 *
 * <p>A closed loop of {@value #IN_FLIGHT} requests, each sent to the next member in turn (so two
 * thirds of the writes are forwarded by a follower and two thirds of the linearizable reads ask the
 * leader for a read index, as under a load generator that is not ours): half puts of 256 bytes,
 * three tenths linearizable gets, a fifth serializable gets (half of the gets with
 * {@code omit_value}), over {@value #KEYS} keys, while one watcher per member follows them. A
 * failed request (an election, a deadline) is sent again after {@value #RETRY_PAUSE_MS} ms: the
 * run only has to exercise the code, not count answers.
 */
public final class TrainingLoad {

  static final int IN_FLIGHT = 64;
  static final int KEYS = 10_000;
  private static final String PREFIX = "training/load/";
  private static final long DEADLINE_SECONDS = 10;
  private static final long RETRY_PAUSE_MS = 100;
  /** How long after its end the run waits for requests still in flight, in s. */
  private static final long DRAIN_SECONDS = 30;

  private final List<KvStoreGrpc.KvStoreStub> members;
  private final ByteString value = ByteString.copyFrom(new byte[256]);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /** @param channels one channel per member, closed by the caller */
  TrainingLoad(List<ManagedChannel> channels) {
    this.members = channels.stream().map(KvStoreGrpc::newStub).toList();
  }

  /**
   * Runs the load as its own process, so that the JVM recording the AOT cache holds only what a
   * node runs: a load generator's gRPC client in the same JVM would add its classes to the shared
   * Netty and gRPC code's type profiles, and the nodes would start from profiles no node has.
   *
   * @param args {@code HOST:PORT,...} (the members' plaintext client endpoints) and the length in s;
   *             exits 0 after the run, 1 when it could not finish, 2 on other arguments
   */
  public static void main(String[] args) throws InterruptedException {
    long seconds;
    try {
      if (args.length != 2) {
        throw new IllegalArgumentException("usage: HOST:PORT,... SECONDS");
      }
      seconds = Long.parseLong(args[1]);
      if (seconds < 0) {
        throw new IllegalArgumentException("the length must be 0 s or more, not " + seconds);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("training load: " + e.getMessage());
      System.exit(2);
      return;
    }
    List<ManagedChannel> channels = Stream.of(args[0].split(","))
        .map(endpoint -> (ManagedChannel) NettyChannelBuilder.forTarget(endpoint).usePlaintext().build())
        .toList();
    int exit = 0;
    try {
      System.out.println("training load: " + new TrainingLoad(channels).run(Duration.ofSeconds(seconds)));
    } catch (IllegalStateException e) {
      System.err.println("training load: " + e.getMessage());
      exit = 1;
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    System.exit(exit);
  }

  /**
   * Runs the load for {@code length}, then waits for the requests in flight.
   *
   * @return requests sent and how many of them failed, for the training's output
   * @throws IllegalStateException when requests are still unanswered {@value #DRAIN_SECONDS} s after the end
   */
  String run(Duration length) throws InterruptedException {
    for (KvStoreGrpc.KvStoreStub member : members) {
      member.watch(WatchRequest.newBuilder().setKey(PREFIX).setPrefix(true).build(), ignoring());
    }
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    try {
      long endNanos = System.nanoTime() + length.toNanos();
      CountDownLatch lanesDone = new CountDownLatch(IN_FLIGHT);
      for (int lane = 0; lane < IN_FLIGHT; lane++) {
        sendNext(endNanos, lanesDone, retries);
      }
      if (!lanesDone.await(length.toSeconds() + DRAIN_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("training load: requests still unanswered " + DRAIN_SECONDS + " s after its end");
      }
    } finally {
      retries.shutdownNow();
    }
    return sent.get() + " requests, " + failed.get() + " failed";
  }

  /** Sends the lane's next request, or ends the lane once the run is over. */
  private void sendNext(long endNanos, CountDownLatch lanesDone, ScheduledExecutorService retries) {
    if (System.nanoTime() - endNanos >= 0) {
      lanesDone.countDown();
      return;
    }
    long n = sent.getAndIncrement();
    KvStoreGrpc.KvStoreStub member = members.get((int) (n % members.size()))
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    // A multiplier prime to KEYS visits every key and spreads consecutive requests apart.
    String key = PREFIX + (n * 7_919 % KEYS);
    StreamObserver<Object> then = new StreamObserver<>() {
      @Override
      public void onNext(Object answer) {}

      @Override
      public void onError(Throwable failure) {
        failed.incrementAndGet();
        retries.schedule(() -> sendNext(endNanos, lanesDone, retries), RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
      }

      @Override
      public void onCompleted() {
        sendNext(endNanos, lanesDone, retries);
      }
    };
    int kind = (int) (n % 10);
    if (kind < 5) {
      member.put(PutRequest.newBuilder().setKey(key).setValue(value).build(), narrowed(then));
    } else {
      ReadConsistency consistency = kind < 8 ? ReadConsistency.LINEARIZABLE : ReadConsistency.SERIALIZABLE;
      // Half as the original API's clients ask (the value in both fields), half as ours (once).
      boolean omitValue = (n / 10) % 2 == 0;
      member.get(GetRequest.newBuilder().setKey(key).setConsistency(consistency).setOmitValue(omitValue).build(),
          narrowed(then));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> StreamObserver<T> narrowed(StreamObserver<Object> observer) {
    return (StreamObserver<T>) (StreamObserver<?>) observer;
  }

  private static <T> StreamObserver<T> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T event) {}

      @Override
      public void onError(Throwable failure) {}

      @Override
      public void onCompleted() {}
    };
  }
}
