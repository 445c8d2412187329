package dev.kvstore.node;

import static dev.kvstore.node.Requests.localGet;
import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.node.raft.Peer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Peers addressed by DNS name, as a Kubernetes StatefulSet addresses its pods
 * ({@code kvstore-0.kvstore-peers:7000}) and compose its services: the node takes the names, and
 * resolves them when it connects, not at start.
 */
class HostNamePeersTest {

  @TempDir
  Path dir;

  @Test
  void theStatefulSetCommandLineNamesPeersByDnsNameAndListensOnEveryInterface() {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs("--node-id", "kvstore-1", "--peers",
        "kvstore-0=kvstore-0.kvstore-peers:7000,kvstore-1=kvstore-1.kvstore-peers.default.svc.cluster.local:7000,"
            + "kvstore-2=kvstore-2.kvstore-peers:7000",
        "--data-dir", dir.toString());
    NodeConfig config = command.toConfig();
    assertThat(config.peers()).extracting(Peer::host).containsExactly("kvstore-0.kvstore-peers",
        "kvstore-1.kvstore-peers.default.svc.cluster.local", "kvstore-2.kvstore-peers");
    assertThat(config.raftPort()).isEqualTo(7000);
    String bindFromEnvironment = System.getenv("KVSTORE_BIND_ADDRESS");
    assertThat(config.bindAddress()).isEqualTo(bindFromEnvironment == null ? "0.0.0.0" : bindFromEnvironment);
  }

  @Test
  void aClusterWhosePeersAreHostNamesElectsAndReplicates() throws IOException {
    List<Integer> ports = FreePorts.take(6);
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      peers.add(new Peer("h" + i, "localhost", ports.get(2 * i)));
    }
    List<KvNode> nodes = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        String id = "h" + i;
        nodes.add(KvNode.start(NodeConfig.of(id, peers, "127.0.0.1", ports.get(2 * i + 1), dir.resolve(id))));
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", ports.get(2 * i + 1)).usePlaintext().build());
      }
      // Caught up too: until then a node refuses calls (StartupCatchUp).
      await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().anyMatch(KvNode::isLeader)
          && nodes.stream().allMatch(n -> n.leaderId().isPresent() && n.caughtUpSinceStart()));
      var first = KvStoreGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(15, TimeUnit.SECONDS);
      assertThat(first.put(put("dns/k", "v")).getSuccess()).isTrue();
      for (ManagedChannel channel : channels) {
        var kv = KvStoreGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> kv.get(localGet("dns/k")).getFound());
      }
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      nodes.forEach(KvNode::closeWithoutHandOff);
    }
  }
}
