package dev.kvstore.node;

import static dev.kvstore.node.Requests.get;
import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scrapes live nodes over HTTP as Prometheus would, parses what they serve ({@link Exposition}),
 * and checks that the numbers follow what the cluster did.
 */
class MetricsTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String RPC_COUNT = "kvstore_rpc_duration_seconds_count";

  private static HttpResponse<String> request(String node, String method, String path) {
    URI uri = URI.create("http://127.0.0.1:" + SHARED.cluster().node(node).metricsPort() + path);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Exposition scrape(String node) {
    return Exposition.scrape(SHARED.cluster().node(node).metricsPort());
  }

  private static Map<String, String> rpc(String method, String status) {
    return Map.of("service", "kvstore.KvStore", "method", method, "status", status);
  }

  @Test
  void requestsAreCountedAndTimedPerMethodAndStatus() {
    Exposition before = scrape("n1");
    var kv = SHARED.cluster().kv("n1");
    for (int i = 0; i < 5; i++) {
      kv.put(put("metrics/k" + i, "v"));
    }
    for (int i = 0; i < 3; i++) {
      kv.get(get("metrics/k" + i));
    }
    assertThatThrownBy(() -> kv.put(put("", "v"))).isInstanceOf(StatusRuntimeException.class);

    Exposition after = scrape("n1");
    assertThat(after.valueOrZero(RPC_COUNT, rpc("Put", "OK")) - before.valueOrZero(RPC_COUNT, rpc("Put", "OK")))
        .isEqualTo(5);
    assertThat(after.valueOrZero(RPC_COUNT, rpc("Get", "OK")) - before.valueOrZero(RPC_COUNT, rpc("Get", "OK")))
        .isEqualTo(3);
    assertThat(after.valueOrZero(RPC_COUNT, rpc("Put", "INVALID_ARGUMENT"))
        - before.valueOrZero(RPC_COUNT, rpc("Put", "INVALID_ARGUMENT"))).isEqualTo(1);

    assertThat(after.type("kvstore_rpc_duration_seconds")).contains("histogram");
    List<Exposition.Sample> buckets = after.samples("kvstore_rpc_duration_seconds_bucket", rpc("Put", "OK"));
    assertThat(buckets).hasSizeGreaterThan(10);
    assertThat(buckets).extracting(Exposition.Sample::value).isSorted();
    assertThat(buckets.get(buckets.size() - 1).labels()).containsEntry("le", "+Inf");
    assertThat(buckets.get(buckets.size() - 1).value()).isEqualTo(after.value(RPC_COUNT, rpc("Put", "OK")));
    assertThat(after.value("kvstore_rpc_duration_seconds_sum", rpc("Put", "OK"))).isPositive();
  }

  @Test
  void raftGaugesShowTheLeaderTheTermAndTheIndexes() {
    String leader = SHARED.cluster().awaitLeader();
    SHARED.cluster().kv(leader).put(put("metrics/raft", "v"));
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      double term = scrape(leader).value("kvstore_raft_term");
      for (String id : SHARED.cluster().ids()) {
        Exposition m = scrape(id);
        String role = id.equals(leader) ? "leader" : "follower";
        assertThat(m.value("kvstore_raft_role", Map.of("role", role))).as(id + " is " + role).isEqualTo(1);
        assertThat(m.samples("kvstore_raft_role", Map.of()).stream().mapToDouble(Exposition.Sample::value).sum())
            .as(id + " has one role").isEqualTo(1);
        assertThat(m.value("kvstore_raft_leader_known")).isEqualTo(1);
        assertThat(m.value("kvstore_raft_term")).as(id + "'s term").isEqualTo(term).isPositive();
        assertThat(m.value("kvstore_raft_leader_changes_total")).isGreaterThanOrEqualTo(1);
        double commit = m.value("kvstore_raft_commit_index");
        assertThat(commit).as(id + "'s commit index").isPositive();
        assertThat(m.value("kvstore_raft_applied_index")).as(id + "'s applied index").isEqualTo(commit);
        assertThat(m.value("kvstore_raft_log_entries")).isPositive();
        assertThat(m.value("kvstore_raft_log_size_bytes")).isPositive();
        assertThat(m.value("kvstore_raft_proposals_pending")).isZero();
        assertThat(m.value("kvstore_commands_queued")).isZero();
        assertThat(m.value("kvstore_read_rounds_pending")).isZero();
        assertThat(m.value("kvstore_reads_queued")).isZero();
        assertThat(m.value("kvstore_store_keys")).isPositive();
        assertThat(m.value("kvstore_node_info", Map.of("node", id, "cluster", "kvstore"))).isEqualTo(1);
      }
    });
  }

  @Test
  void watchersAreCountedWhileOpenAndByReasonOnceCancelled() {
    Map<String, String> closed = Map.of("reason", "closed");
    Exposition before = scrape("n2");
    AtomicBoolean created = new AtomicBoolean();
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      ctx.run(() -> KvStoreGrpc.newStub(SHARED.cluster().channel("n2"))
          .watch(WatchRequest.newBuilder().setKey("metrics/watched").build(), new StreamObserver<WatchResponse>() {
            @Override
            public void onNext(WatchResponse r) {
              created.set(true);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
          }));
      await().atMost(Duration.ofSeconds(10)).untilTrue(created);
      assertThat(scrape("n2").value("kvstore_watchers_active"))
          .isEqualTo(before.value("kvstore_watchers_active") + 1);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Exposition after = scrape("n2");
      assertThat(after.value("kvstore_watchers_active")).isEqualTo(before.value("kvstore_watchers_active"));
      assertThat(after.value("kvstore_watchers_cancelled_total", closed))
          .isEqualTo(before.value("kvstore_watchers_cancelled_total", closed) + 1);
      assertThat(after.valueOrZero(RPC_COUNT, rpc("Watch", "CANCELLED")))
          .isEqualTo(before.valueOrZero(RPC_COUNT, rpc("Watch", "CANCELLED")) + 1);
    });
  }

  @Test
  void snapshotsAreTimedAndSized() {
    SHARED.cluster().kv("n3").put(put("metrics/snap", "v"));
    Exposition before = scrape("n3");
    MaintenanceGrpc.newBlockingStub(SHARED.cluster().channel("n3")).withDeadlineAfter(60, TimeUnit.SECONDS)
        .snapshot(SnapshotRequest.getDefaultInstance());
    // The writer records its metrics just after the snapshot is on disk, and the request can be
    // answered from the disk in between (seen once in CI): the count follows within moments.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Exposition after = scrape("n3");
      assertThat(after.value("kvstore_snapshot_take_seconds_count"))
          .isEqualTo(before.value("kvstore_snapshot_take_seconds_count") + 1);
      assertThat(after.value("kvstore_snapshot_take_seconds_sum")).isPositive();
      assertThat(after.value("kvstore_snapshot_size_bytes")).isPositive();
      assertThat(after.value("kvstore_raft_snapshot_index")).isPositive();
    });
  }

  @Test
  void jvmAndProcessMetricsAreServed() {
    Exposition m = scrape("n1");
    assertThat(m.samples("jvm_memory_used_bytes", Map.of("area", "heap"))).isNotEmpty();
    assertThat(m.value("jvm_threads_live_threads")).isPositive();
    // GC pauses appear with the first collection after the node started; these are there at once.
    assertThat(m.type("jvm_gc_memory_allocated_bytes_total")).contains("counter");
    assertThat(m.value("jvm_gc_max_data_size_bytes")).isPositive();
    assertThat(m.samples("process_cpu_usage", Map.of())).hasSize(1);
    assertThat(m.value("process_cpu_time_ns_total")).isPositive();
  }

  @Test
  void everyKvstoreMetricIsDocumented() throws IOException {
    SHARED.cluster().kv("n1").put(put("metrics/doc", "v"));
    String doc = Files.readString(Path.of("..", "docs", "metrics.md"));
    TreeSet<String> undocumented = scrape("n1").families().stream()
        .filter(family -> family.startsWith("kvstore_") && !doc.contains("`" + family + "`"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(undocumented).as("kvstore metrics missing from docs/metrics.md").isEmpty();
  }

  @Test
  void theEndpointServesTheTextFormatOnGetAndSaysWhereItIs() {
    HttpResponse<String> metrics = request("n1", "GET", "/metrics");
    assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
    assertThat(request("n1", "GET", "/").body()).contains("n1").contains("/metrics");
    assertThat(request("n1", "GET", "/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> post = request("n1", "POST", "/metrics");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
  }
}
