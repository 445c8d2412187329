package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.GetRequest;
import dev.kvstore.api.MemberHints;
import dev.kvstore.api.PutResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every error names the node that answered, the leader it knows and its term, so a client learns
 * where the leader is from whichever node it asked; and a write through any node reaches the leader.
 */
class MemberHintsTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  @Test
  void everyNodeNamesItselfAndTheLeaderInTheTrailersOfAnError() {
    TestCluster cluster = SHARED.cluster();
    String leader = cluster.awaitLeader();
    for (String node : cluster.ids()) {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> cluster.kv(node).get(GetRequest.newBuilder().setKey("").build()));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(MemberHints.memberId(e.getTrailers())).as(node).contains(node);
      assertThat(MemberHints.leaderId(e.getTrailers())).as(node).contains(leader);
      assertThat(MemberHints.raftTerm(e.getTrailers()).orElse(0)).as(node).isPositive();
    }
  }

  @Test
  void aHealthCheckNamesTheNodeAndTheLeaderInItsTrailers() {
    TestCluster cluster = SHARED.cluster();
    String leader = cluster.awaitLeader();
    for (String node : cluster.ids()) {
      AtomicReference<Metadata> headers = new AtomicReference<>();
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      var stub = HealthGrpc.newBlockingStub(cluster.channel(node))
          .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
      // A node's health follows its leader on the node's own timer, a moment after the leader is known.
      await().atMost(Duration.ofSeconds(10)).until(() -> stub.check(HealthCheckRequest.getDefaultInstance())
          .getStatus() == HealthCheckResponse.ServingStatus.SERVING);
      HealthCheckResponse health = stub.check(HealthCheckRequest.getDefaultInstance());

      assertThat(health.getStatus()).as(node).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(MemberHints.memberId(trailers.get())).as(node).contains(node);
      assertThat(MemberHints.leaderId(trailers.get())).as(node).contains(leader);
    }
  }

  @Test
  void aHealthCheckCarriesTheRevisionTheNodeHasApplied() {
    TestCluster cluster = SHARED.cluster();
    String leader = cluster.awaitLeader();
    long written = cluster.kv(leader).put(put("hints/revision", "v")).getHeader().getRevision();
    for (String node : cluster.ids()) {
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      var stub = HealthGrpc.newBlockingStub(cluster.channel(node))
          .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));

      // A follower applies the write a moment after the leader acknowledged it; nothing else is written.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        stub.check(HealthCheckRequest.getDefaultInstance());
        assertThat(MemberHints.revision(trailers.get())).as(node).hasValue(written);
      });
    }
  }

  @Test
  void writesThroughEveryNodeReachTheLeaderAndAreReadableThere() {
    TestCluster cluster = SHARED.cluster();
    String leader = cluster.awaitLeader();
    for (String node : cluster.ids()) {
      // Without a request id, as the original kvstore's clients send it: the node assigns one.
      PutResponse written = cluster.kv(node).put(put("hints/" + node, "via " + node));
      assertThat(written.getHeader().getMemberId()).isEqualTo(node);
      assertThat(written.getHeader().getLeaderId()).isEqualTo(leader);
      // The leader applied it before the write was acknowledged.
      var read = cluster.kv(leader).get(Requests.localGet("hints/" + node));
      assertThat(read.getValue().toStringUtf8()).isEqualTo("via " + node);
      assertThat(read.getKv().getModRevision()).isEqualTo(written.getHeader().getRevision());
    }
  }
}
