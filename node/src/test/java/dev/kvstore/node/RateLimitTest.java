package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.AuthEnableRequest;
import dev.kvstore.api.AuthGrpc;
import dev.kvstore.api.AuthUserAddRequest;
import dev.kvstore.api.AuthUserGrantRoleRequest;
import dev.kvstore.api.AuthenticateRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.WatchCreateRequest;
import dev.kvstore.api.WatchGrpc;
import dev.kvstore.api.WatchStreamRequest;
import dev.kvstore.api.WatchStreamResponse;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.node.auth.Authentication;
import dev.kvstore.node.ops.RateLimiting;
import dev.kvstore.node.ops.RateLimits;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-caller rate limit through a node: a flooding user is refused with the time to retry,
 * while another user at a modest rate is never refused.
 */
class RateLimitTest {

  private static final int RATE = 20;
  private static final int BOB_CALLS = 30;
  private static final Duration BOB_PACE = Duration.ofMillis(100);

  @TempDir
  Path dir;

  @Test
  void aFloodingUserIsRefusedWithTheTimeToRetryAndAnotherUserIsNeverRefused() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, dir, c -> c.withRateLimits(new RateLimits(RATE, RATE))
        .withAuth(new AuthSettings(Duration.ofMinutes(5), 4)))) {
      cluster.awaitLeader();
      AuthGrpc.AuthBlockingStub open = AuthGrpc.newBlockingStub(cluster.channel("n1"));
      for (String user : List.of("root", "alice", "bob")) {
        open.userAdd(AuthUserAddRequest.newBuilder().setName(user).setPassword(user + "-pw").build());
      }
      for (String user : List.of("root", "alice", "bob")) {
        // The root role may read every key: alice and bob need no permissions of their own.
        open.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole("root").build());
      }
      open.authEnable(AuthEnableRequest.getDefaultInstance());
      KvStoreGrpc.KvStoreBlockingStub alice = kvAs(cluster, "alice");
      KvStoreGrpc.KvStoreBlockingStub bob = kvAs(cluster, "bob");

      List<Long> bobAlone = bobCalls(bob, "alone");

      AtomicBoolean bobDone = new AtomicBoolean();
      AtomicInteger aliceOk = new AtomicInteger();
      AtomicInteger aliceRefused = new AtomicInteger();
      AtomicReference<StatusRuntimeException> firstRefusal = new AtomicReference<>();
      ExecutorService flood = Executors.newFixedThreadPool(4);
      long floodStart = System.nanoTime();
      List<Future<?>> flooders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        flooders.add(flood.submit(() -> {
          // Bounded: stops with bob, or after 5,000 calls per thread.
          for (int i = 0; i < 5_000 && !bobDone.get(); i++) {
            try {
              alice.get(GetRequest.newBuilder().setKey("k").build());
              aliceOk.incrementAndGet();
            } catch (StatusRuntimeException e) {
              if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
                throw e;
              }
              aliceRefused.incrementAndGet();
              firstRefusal.compareAndSet(null, e);
            }
          }
        }));
      }
      List<Long> bobDuringFlood;
      try {
        bobDuringFlood = bobCalls(bob, "during alice's flood");
      } finally {
        bobDone.set(true);
        for (Future<?> f : flooders) {
          f.get(60, TimeUnit.SECONDS);
        }
        flood.shutdownNow();
      }
      double floodSeconds = (System.nanoTime() - floodStart) / 1e9;

      assertThat(bobAlone).hasSize(BOB_CALLS);
      assertThat(bobDuringFlood).hasSize(BOB_CALLS);
      assertThat(aliceRefused.get()).isPositive();
      // The bucket starts full (RATE) and gains RATE per second; the client's window contains the node's.
      assertThat(aliceOk.get()).isLessThanOrEqualTo(RATE + (int) Math.ceil(RATE * floodSeconds) + 1);
      StatusRuntimeException refusal = firstRefusal.get();
      assertThat(refusal.getStatus().getDescription())
          .matches("rate limit of 20 requests/s for user 'alice' exceeded; retry in \\d+ ms");
      String retryAfter = refusal.getTrailers().get(
          Metadata.Key.of(RateLimiting.RETRY_AFTER_HEADER, Metadata.ASCII_STRING_MARSHALLER));
      assertThat(Long.parseLong(retryAfter)).isBetween(1L, 1_000L / RATE + 1);

      // Information only (a shared 2-core machine is noisy): bob's latency with and without the flood.
      System.out.printf("RateLimitTest: alice %d accepted, %d refused in %.1f s; bob p50/max alone %s,"
          + " during the flood %s%n", aliceOk.get(), aliceRefused.get(), floodSeconds, summary(bobAlone),
          summary(bobDuringFlood));
    }
  }

  @Test
  void aStreamCountsEachRequestTheJavaClientSurfacesTheRefusalAndHealthChecksAreNeverLimited() throws Exception {
    try (TestCluster cluster = TestCluster.start(1, dir, c -> c.withRateLimits(new RateLimits(5, 5)));
        KvClient client = KvClient.builder().endpoints(cluster.endpoint("n1")).build()) {
      cluster.awaitLeader();
      // The stream takes one token, each create request one more: 50 cannot all pass within 9 s.
      CompletableFuture<Status> ended = new CompletableFuture<>();
      StreamObserver<WatchStreamRequest> requests = WatchGrpc.newStub(cluster.channel("n1"))
          .watch(new StreamObserver<WatchStreamResponse>() {
            @Override
            public void onNext(WatchStreamResponse response) {}

            @Override
            public void onError(Throwable t) {
              ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              ended.complete(Status.OK);
            }
          });
      for (int i = 0; i < 50 && !ended.isDone(); i++) {
        requests.onNext(WatchStreamRequest.newBuilder()
            .setCreateRequest(WatchCreateRequest.newBuilder().setKey("w" + i)).build());
      }
      Status streamEnd = ended.get(15, TimeUnit.SECONDS);
      assertThat(streamEnd.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(streamEnd.getDescription()).startsWith("rate limit of 5 requests/s for client address 127.0.0.1");

      assertThatThrownBy(() -> {
        for (int i = 0; i < 100; i++) {
          client.put("k", "v" + i);
        }
      }).isInstanceOfSatisfying(KvClientException.class, e -> {
        assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getMessage()).contains("rate limit of 5 requests/s for client address 127.0.0.1 exceeded;"
            + " retry in ");
        assertThat(e.outcomeUnknown()).isFalse();
      });
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(cluster.channel("n1"));
      for (int i = 0; i < 20; i++) {
        // Answered (whatever the status) rather than refused: the address's bucket is empty by now.
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isNotNull();
      }
    }
  }

  private static KvStoreGrpc.KvStoreBlockingStub kvAs(TestCluster cluster, String user) {
    String token = AuthGrpc.newBlockingStub(cluster.channel("n1"))
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(user + "-pw").build()).getToken();
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(Authentication.TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER), token);
    return KvStoreGrpc.newBlockingStub(cluster.channel("n1"))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /**
   * Bob's calls at half the limit, paced (the pause makes the rate; it waits for no condition);
   * every one must succeed. Returns their latencies in microseconds.
   */
  private static List<Long> bobCalls(KvStoreGrpc.KvStoreBlockingStub bob, String phase) throws InterruptedException {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < BOB_CALLS; i++) {
      long start = System.nanoTime();
      try {
        bob.withDeadlineAfter(15, TimeUnit.SECONDS).get(GetRequest.newBuilder().setKey("k").build());
      } catch (StatusRuntimeException e) {
        throw new AssertionError("bob's call " + i + " " + phase + " failed: " + e.getStatus(), e);
      }
      micros.add((System.nanoTime() - start) / 1_000);
      Thread.sleep(BOB_PACE.toMillis());
    }
    return micros;
  }

  private static String summary(List<Long> micros) {
    List<Long> sorted = new ArrayList<>(micros);
    Collections.sort(sorted);
    return String.format("%.1f/%.1f ms", sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
  }
}
