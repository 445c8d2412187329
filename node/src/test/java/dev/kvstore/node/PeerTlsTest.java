package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.client.KvClient;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.security.PeerTls;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raft traffic over mutual TLS: a cluster forms and replicates, and a peer outside the CA is kept out. */
class PeerTlsTest {

  @TempDir
  Path dir;

  @Test
  void threeNodesWithPeerTlsElectALeaderAndReplicate() {
    TestCertificates certs = TestCertificates.make(dir.resolve("certs"));
    try (TestCluster cluster = TestCluster.start(3, dir.resolve("cluster"),
        config -> config.withTls(config.tls().withPeer(certs.peerTls(config.nodeId()))))) {
      String leader = cluster.awaitLeader();
      try (KvClient kv = KvClient.builder().endpoints(cluster.endpoints()).build()) {
        kv.put("peer-tls", "replicated");
        long index = cluster.node(leader).appliedIndex();
        // Every follower applies it: the entries crossed the TLS links.
        await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.ids().stream().allMatch(id -> cluster.node(id).appliedIndex() >= index));
        // Reads through a follower ask the leader for a read index over the peers' Ratis clients (TLS too).
        try (KvClient follower = KvClient.builder().endpoints(cluster.endpoint(cluster.otherThan(leader))).build()) {
          assertThat(follower.get("peer-tls").getValue().toStringUtf8()).isEqualTo("replicated");
        }
      }
    }
  }

  @Test
  void aPeerThatTrustsAnotherCaNeverJoins() {
    TestCertificates certs = TestCertificates.make(dir.resolve("certs"));
    // n3 trusts only the other CA: it refuses n1's and n2's certificates, as server and as client.
    try (TestCluster cluster = TestCluster.start(3, dir.resolve("cluster"), config -> config.withTls(
        config.tls().withPeer(config.nodeId().equals("n3")
            ? new PeerTls(certs.cert("n3"), certs.key("n3"), certs.otherCa())
            : certs.peerTls(config.nodeId()))))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.node("n1").leaderId().isPresent()
          && cluster.node("n1").leaderId().equals(cluster.node("n2").leaderId()));
      try (KvClient kv = KvClient.builder()
          .endpoints(cluster.endpoint("n1") + "," + cluster.endpoint("n2")).build()) {
        kv.put("k", "v");
      }
      // The majority commits without n3, which hears from no leader and applies nothing.
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
          .until(() -> cluster.node("n3").leaderId().isEmpty() && cluster.node("n3").appliedIndex() <= 0);
    }
  }
}
