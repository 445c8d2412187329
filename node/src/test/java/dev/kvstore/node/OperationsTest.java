package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.StatusResponse;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Health, reflection, cluster status and on-demand snapshots. */
class OperationsTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  @Test
  void healthIsServingOnEveryNodeOnceALeaderIsKnown() {
    for (String id : SHARED.cluster().ids()) {
      var health = HealthGrpc.newBlockingStub(SHARED.cluster().channel(id));
      await().atMost(Duration.ofSeconds(10)).until(() ->
          health.check(HealthCheckRequest.newBuilder().build()).getStatus() == ServingStatus.SERVING);
      assertThat(health.check(HealthCheckRequest.newBuilder().setService("kvstore.KvStore").build()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    var requests = ServerReflectionGrpc.newStub(SHARED.cluster().channel("n1")).serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionResponse r) {
        services.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
      }

      @Override
      public void onError(Throwable t) {
        services.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
      }
    });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(services.get(10, TimeUnit.SECONDS))
        .contains("kvstore.KvStore", "kvstore.Maintenance", "grpc.health.v1.Health");
    requests.onCompleted();
  }

  @Test
  void statusReportsEveryMemberWithOneLeaderAndTheirProgress() {
    String leader = SHARED.cluster().awaitLeader();
    SHARED.cluster().kv("n1").put(Requests.put("status/k", "v"));
    await().atMost(Duration.ofSeconds(10)).until(() -> SHARED.cluster().ids().stream().allMatch(id -> SHARED.cluster().node(id).appliedIndex() > 0));
    StatusResponse status = MaintenanceGrpc.newBlockingStub(SHARED.cluster().channel("n3")).status(StatusRequest.getDefaultInstance());
    assertThat(status.getMembersList()).extracting(MemberStatus::getId).containsExactly("n1", "n2", "n3");
    assertThat(status.getMembersList()).allSatisfy(m -> {
      assertThat(m.getReachable()).isTrue();
      assertThat(m.getLeaderId()).isEqualTo(leader);
      assertThat(m.getTerm()).isPositive();
      assertThat(m.getCommitIndex()).isPositive();
      assertThat(m.getAppliedIndex()).isPositive();
    });
    assertThat(status.getMembersList()).filteredOn(m -> m.getRole() == MemberRole.LEADER)
        .extracting(MemberStatus::getId).containsExactly(leader);
    assertThat(status.getHeader().getMemberId()).isEqualTo("n3");
    assertThat(status.getClusterId()).isNotBlank();
  }

  @Test
  void snapshotOnRequestCoversTheAppliedLog() {
    SHARED.cluster().kv("n1").put(Requests.put("snap/k", "v"));
    long applied = SHARED.cluster().node("n2").appliedIndex();
    var response = MaintenanceGrpc.newBlockingStub(SHARED.cluster().channel("n2")).snapshot(SnapshotRequest.getDefaultInstance());
    assertThat(response.getSnapshotIndex()).isGreaterThanOrEqualTo(applied);
    assertThat(SHARED.cluster().node("n2").stateMachine().getLatestSnapshot().getIndex()).isEqualTo(response.getSnapshotIndex());
  }
}
