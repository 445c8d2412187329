package dev.kvstore.node;

import static dev.kvstore.node.Requests.get;
import static dev.kvstore.node.Requests.localGet;
import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.DeleteRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster over its storage quota (--quota-backend-bytes) refuses writes that add data through
 * every member, the same way, and goes on serving reads, deletes and compaction; raising the quota
 * brings writes back. The alarm shows in each node's metrics.
 */
class StorageQuotaClusterTest {

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void overTheQuotaWritesAreRefusedEverywhereWhileReadsDeletesAndCompactionWork() {
    // Written before the quota: a key to read and one to delete.
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    cluster.kv("n1").put(put("quota/kept", "v1"));
    cluster.kv("n1").put(put("quota/gone", "v2"));
    restartWithQuota(1);
    for (String id : cluster.ids()) {
      Exposition metrics = Exposition.scrape(cluster.node(id).metricsPort());
      assertThat(metrics.value("kvstore_storage_quota_bytes")).as(id).isEqualTo(1);
      assertThat(metrics.value("kvstore_storage_used_bytes")).as(id).isGreaterThan(1);
      assertThat(metrics.value("kvstore_storage_quota_exceeded")).as(id).isEqualTo(1);
    }
    long revision = cluster.kv("n1").get(get("quota/kept")).getHeader().getRevision();
    for (String id : cluster.ids()) {
      assertThatThrownBy(() -> cluster.kv(id).put(put("quota/new", "refused")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("storage quota exceeded", "--quota-backend-bytes",
                "of 1 bytes", "kvstore compact", "kvstore snapshot", "nothing was written");
          });
    }
    for (String id : cluster.ids()) {
      assertThat(cluster.kv(id).get(get("quota/kept")).getValue().toStringUtf8()).isEqualTo("v1");
      assertThat(cluster.kv(id).get(localGet("quota/new")).getFound()).isFalse();
    }
    assertThat(cluster.kv("n2").delete(DeleteRequest.newBuilder().setKey("quota/gone").build()).getDeleted())
        .isEqualTo(1);
    long afterDelete = cluster.kv("n3").get(get("quota/kept")).getHeader().getRevision();
    assertThat(afterDelete).as("only the delete took a revision").isEqualTo(revision + 1);
    cluster.kv("n3").compact(CompactRequest.newBuilder().setRevision(afterDelete).build());

    // Raising the quota (here: none) is one way back.
    restartWithQuota(0);
    assertThat(cluster.kv("n2").put(put("quota/new", "accepted")).getHeader().getRevision()).isGreaterThan(afterDelete);
    Exposition metrics = Exposition.scrape(cluster.node("n2").metricsPort());
    assertThat(metrics.value("kvstore_storage_quota_bytes")).isZero();
    assertThat(metrics.value("kvstore_storage_quota_exceeded")).isZero();
  }

  /** Stops every node and starts it again from its data with {@code bytes} of quota (1: every data directory is over it). */
  private void restartWithQuota(long bytes) {
    List<String> ids = cluster.ids();
    // Without hand-off or snapshot: faster, and the quota is measured from the log as it was left.
    ids.forEach(cluster::crashNode);
    ids.forEach(id -> cluster.reconfigure(id, c -> c.withRaft(c.raft().withQuotaBackendBytes(bytes))));
    ids.forEach(cluster::startNode);
    cluster.awaitLeader();
  }
}
