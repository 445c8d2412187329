package dev.kvstore.node;

import static dev.kvstore.node.Requests.localGet;
import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.WriteOutcome;
import dev.kvstore.node.ops.NodeHealth;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a quorum, requests wait a bounded time and then say why; local reads still work. */
class NoQuorumTest {

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void writesAndLinearizableReadsFailWithUnavailableAfterTheRequestTimeout() {
    cluster = TestCluster.start(3, dir, c -> c.withRequestTimeout(Duration.ofSeconds(2)));
    String leader = cluster.awaitLeader();
    String survivor = cluster.otherThan(leader);
    KvStoreGrpc.newBlockingStub(cluster.channel(survivor)).put(put("quorum/k", "before"));
    cluster.ids().stream().filter(id -> !id.equals(survivor)).forEach(cluster::crashNode);

    var kv = KvStoreGrpc.newBlockingStub(cluster.channel(survivor));
    long started = System.nanoTime();
    assertThatThrownBy(() -> kv.put(put("quorum/k", "after")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).containsAnyOf("no leader", "could not reach a quorum")
              .contains("within 2.0s").contains("retry it with the same request id");
          // the write reached Raft, so its fate is open: the trailer says so
          assertThat(WriteOutcome.isUnknown(e.getTrailers())).isTrue();
        });
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(waitedMs).isBetween(1_500L, 6_000L);

    assertThatThrownBy(() -> kv.get(Requests.get("quorum/k")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("linearizable read").contains("SERIALIZABLE");
        });

    // a serializable read answers from local state
    assertThat(kv.get(localGet("quorum/k")).getValue().toStringUtf8()).isEqualTo("before");
  }

  @Test
  void writesThroughTheSameNodeSucceedAgainOnceTheQuorumIsBack() {
    cluster = TestCluster.start(3, dir, c -> c.withRequestTimeout(Duration.ofSeconds(1)));
    String leader = cluster.awaitLeader();
    String survivor = cluster.otherThan(leader);
    List<String> stopped = cluster.ids().stream().filter(id -> !id.equals(survivor)).toList();
    stopped.forEach(cluster::crashNode);
    var kv = KvStoreGrpc.newBlockingStub(cluster.channel(survivor));
    // several writes fail while there is no quorum, long enough for the node's Raft client to give up
    for (int i = 0; i < 3; i++) {
      int n = i;
      assertThatThrownBy(() -> kv.put(put("quorum/again", "lost-" + n))).isInstanceOf(StatusRuntimeException.class);
    }
    stopped.forEach(cluster::startNode);
    cluster.awaitLeader();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .untilAsserted(() -> assertThat(kv.put(put("quorum/again", "back")).getSuccess()).isTrue());
    assertThat(cluster.kv(survivor).get(Requests.get("quorum/again")).getValue().toStringUtf8()).isEqualTo("back");
  }

  @Test
  void watchesOnANodeWithoutLeaderEndSoClientsMoveElsewhere() throws Exception {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String survivor = cluster.otherThan(leader);
    var ended = new java.util.concurrent.CompletableFuture<Throwable>();
    try (io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation()) {
      ctx.run(() -> KvStoreGrpc.newStub(cluster.channel(survivor)).watch(
          dev.kvstore.api.WatchRequest.newBuilder().setKey("quorum/watched").build(),
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(dev.kvstore.api.WatchResponse value) {
            }

            @Override
            public void onError(Throwable t) {
              ended.complete(t);
            }

            @Override
            public void onCompleted() {
              ended.complete(null);
            }
          }));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> cluster.node(survivor).stateMachine().watchHub().activeWatches() == 1);
      cluster.ids().stream().filter(id -> !id.equals(survivor)).forEach(cluster::crashNode);

      Throwable why = ended.get(30, TimeUnit.SECONDS);
      assertThat(why).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).contains("no leader").contains("watch again on another node");
      });
    }
  }

  @Test
  void aCallerDeadlineShorterThanTheRequestTimeoutIsHonoured() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String survivor = cluster.otherThan(leader);
    cluster.ids().stream().filter(id -> !id.equals(survivor)).forEach(cluster::crashNode);
    var kv = KvStoreGrpc.newBlockingStub(cluster.channel(survivor)).withDeadlineAfter(1, TimeUnit.SECONDS);
    long started = System.nanoTime();
    assertThatThrownBy(() -> kv.put(put("deadline/k", "v")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000);
  }

  /** Kubernetes' readiness probe asks for the empty service name, its liveness probe for "liveness". */
  @Test
  void aMemberWithoutAQuorumIsAliveButNotReady() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String survivor = cluster.otherThan(leader);
    var health = HealthGrpc.newBlockingStub(cluster.channel(survivor));
    HealthCheckRequest readiness = HealthCheckRequest.getDefaultInstance();
    HealthCheckRequest liveness = HealthCheckRequest.newBuilder().setService(NodeHealth.LIVENESS_SERVICE).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> health.check(readiness).getStatus() == ServingStatus.SERVING);
    assertThat(health.check(liveness).getStatus()).isEqualTo(ServingStatus.SERVING);

    cluster.ids().stream().filter(id -> !id.equals(survivor)).forEach(cluster::crashNode);
    await().atMost(Duration.ofSeconds(15)).until(() -> health.check(readiness).getStatus() == ServingStatus.NOT_SERVING);
    assertThat(health.check(liveness).getStatus()).isEqualTo(ServingStatus.SERVING);
  }
}
