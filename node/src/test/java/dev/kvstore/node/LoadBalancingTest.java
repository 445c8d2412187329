package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.ReadConsistency;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.ReadBalancing;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java client's load spreading as the nodes count it: each node's
 * {@code kvstore_rpc_duration_seconds_count} per method (docs/metrics.md), scraped before and after
 * a run of calls through one client. Serializable reads spread over all three nodes, writes and
 * linearizable reads land on the leader.
 */
class LoadBalancingTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static final String RPC_COUNT = "kvstore_rpc_duration_seconds_count";
  private static final int WRITES = 30;
  private static final int READS = 90;

  /** Calls of {@code method} each node answered with OK so far. */
  private static Map<String, Double> served(String method) {
    Map<String, Double> counts = new LinkedHashMap<>();
    for (String id : SHARED.cluster().ids()) {
      counts.put(id, scrape(id).valueOrZero(RPC_COUNT,
          Map.of("service", "kvstore.KvStore", "method", method, "status", "OK")));
    }
    return counts;
  }

  private static Map<String, Double> since(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> delta = new LinkedHashMap<>();
    after.forEach((id, count) -> delta.put(id, count - before.get(id)));
    return delta;
  }

  private static Exposition scrape(String node) {
    return Exposition.scrape(SHARED.cluster().node(node).metricsPort());
  }

  /**
   * A client with time to spare: no attempt times out or is hedged on a loaded machine, so each
   * call is answered by the node it was sent to and the counts show exactly where calls went.
   */
  private static KvClient client(ReadBalancing balancing) {
    return KvClient.builder()
        .endpoints(SHARED.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(30))
        .attemptTimeout(Duration.ofSeconds(10))
        .attemptTimeoutFloor(Duration.ofSeconds(10))
        .hedgeReads(false)
        .readBalancing(balancing)
        .build();
  }

  /** Writes until one is answered by the leader itself: the client then knows where it answers. */
  private static void findTheLeader(KvClient client, String leader) {
    await().atMost(Duration.ofSeconds(20)).until(() ->
        client.put("balancing/warm-up", "v").getHeader().getMemberId().equals(leader));
  }

  @Test
  void serializableReadsSpreadOverEveryNodeWhileWritesAndLinearizableReadsLandOnTheLeader() {
    String leader = SHARED.cluster().awaitLeader();
    try (KvClient client = client(ReadBalancing.LEAST_OUTSTANDING)) {
      findTheLeader(client, leader);
      for (int i = 0; i < 6; i++) {
        client.get("balancing/warm-up"); // every node's connection is up
      }
      Map<String, Double> putsBefore = served("Put");
      Map<String, Double> getsBefore = served("Get");

      for (int i = 0; i < WRITES; i++) {
        client.put("balancing/k" + i, "v" + i);
      }
      for (int i = 0; i < READS; i++) {
        client.get("balancing/k" + (i % WRITES), i % 3 == 0 ? ReadConsistency.SERIALIZABLE
            : ReadConsistency.LINEARIZABLE);
      }

      Map<String, Double> puts = since(putsBefore, served("Put"));
      Map<String, Double> gets = since(getsBefore, served("Get"));
      assertThat(puts).as("puts per node").containsEntry(leader, (double) WRITES);
      puts.forEach((id, count) -> assertThat(count).as("puts on " + id).isEqualTo(id.equals(leader) ? WRITES : 0));
      assertThat(gets.values().stream().mapToDouble(Double::doubleValue).sum()).as("gets").isEqualTo(READS);
      // Linearizable reads (two thirds) on the leader; serializable ones one at a time, so round
      // robin: a third of them each.
      int serializable = READS / 3;
      gets.forEach((id, count) -> assertThat(count).as("gets on " + id + ": " + gets)
          .isEqualTo(serializable / 3 + (id.equals(leader) ? READS - serializable : 0)));
    }
  }

  @Test
  void stickyReadsStayOnOneNode() {
    String leader = SHARED.cluster().awaitLeader();
    try (KvClient client = client(ReadBalancing.STICKY)) {
      findTheLeader(client, leader);
      client.get("balancing/warm-up");
      Map<String, Double> getsBefore = served("Get");

      for (int i = 0; i < 30; i++) {
        client.get("balancing/warm-up");
      }

      Map<String, Double> gets = since(getsBefore, served("Get"));
      assertThat(gets.values()).as("gets per node: " + gets).containsOnly(0.0, 30.0).contains(30.0);
    }
  }
}
