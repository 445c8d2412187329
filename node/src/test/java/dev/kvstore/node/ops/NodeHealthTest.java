package dev.kvstore.node.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness needs a known leader and a catch-up since the start; liveness only a running server. */
class NodeHealthTest {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final HealthStatusManager health = new HealthStatusManager();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicReference<Optional<String>> leader = new AtomicReference<>(Optional.of("n2"));
  private final AtomicBoolean caughtUp = new AtomicBoolean(false);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void aNodeThatKnowsTheLeaderIsReadyOnlyOnceItHasCaughtUpSinceItStarted() {
    try (NodeHealth ignored = nodeHealth()) {
      assertThat(status("")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(status("kvstore.KvStore")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(status(NodeHealth.LIVENESS_SERVICE)).isEqualTo(ServingStatus.SERVING);

      caughtUp.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> status("") == ServingStatus.SERVING);
      assertThat(status("kvstore.KvStore")).isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void aCaughtUpNodeWithoutALeaderIsNotReadyAndAStoppedServerIsNotAlive() {
    caughtUp.set(true);
    try (NodeHealth ignored = nodeHealth()) {
      assertThat(status("")).isEqualTo(ServingStatus.SERVING);

      leader.set(Optional.empty());
      await().atMost(Duration.ofSeconds(5)).until(() -> status("") == ServingStatus.NOT_SERVING);
      assertThat(status(NodeHealth.LIVENESS_SERVICE)).isEqualTo(ServingStatus.SERVING);

      running.set(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> status(NodeHealth.LIVENESS_SERVICE) == ServingStatus.NOT_SERVING);
    }
  }

  private NodeHealth nodeHealth() {
    return new NodeHealth(health, "n1", running::get, leader::get, caughtUp::get, scheduler);
  }

  private ServingStatus status(String service) {
    CompletableFuture<HealthCheckResponse> answer = new CompletableFuture<>();
    ((HealthGrpc.HealthImplBase) health.getHealthService()).check(
        HealthCheckRequest.newBuilder().setService(service).build(), new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            answer.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return answer.orTimeout(5, TimeUnit.SECONDS).join().getStatus();
  }
}
