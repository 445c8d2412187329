package dev.kvstore.node;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.raft.PeerNameCaching;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * The training run for a node's class-data sharing archive (AppCDS): does, in one JVM and on
 * loopback, what a node does when it starts, restarts and serves, so that a JVM started with
 * {@code -XX:ArchiveClassesAtExit=FILE} records every class that path loads. A node started later
 * with {@code -XX:SharedArchiveFile=FILE} maps them instead of parsing and verifying them again:
 * about half the CPU time of a start (3.4 s down to 1.7 s of CPU in the image on this 2-core
 * machine kind), which is what a node restarted on a busy machine waits for
 * (docs/failover.md, docs/benchmarks.md "Scale").
 *
 * <p>The run: parse node command lines, start a three-member group in a temporary folder, serve
 * writes, reads, pages, watches, the status, the health check and snapshots through each member,
 * stop, start again from the snapshots and the log, serve linearizable reads, stop; then delete the
 * folder. The image build runs it ({@code deploy/Dockerfile}); it exits 0, or 1 saying what
 * failed.
 */
public final class ClassArchiveTraining {

  private static final int MEMBERS = 3;
  private static final int KEYS_PER_MEMBER = 100;
  private static final long RPC_DEADLINE_SECONDS = 30;

  private ClassArchiveTraining() {}

  public static void main(String[] args) throws Exception {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    PeerNameCaching.apply();
    Path dataDir = Files.createTempDirectory("kvstore-cds-training");
    int exit = 0;
    try {
      List<NodeConfig> configs = configs(dataDir);
      List<KvNode> nodes = startAll(configs);
      try {
        serve(nodes, true);
      } finally {
        closeAll(nodes);
      }
      List<KvNode> restarted = startAll(configs);
      try {
        serve(restarted, false);
      } finally {
        closeAll(restarted);
      }
    } catch (Exception | AssertionError e) {
      System.err.println("class-archive training failed: " + e);
      exit = 1;
    } finally {
      deleteRecursively(dataDir);
    }
    System.exit(exit);
  }

  /** Three members on loopback, each from a parsed node command line, as a real start does. */
  private static List<NodeConfig> configs(Path dataDir) throws IOException {
    int[] ports = freePorts(3 * MEMBERS);
    String peers = IntStream.range(0, MEMBERS).mapToObj(i -> "t" + i + "=127.0.0.1:" + ports[i])
        .collect(Collectors.joining(","));
    List<NodeConfig> configs = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      NodeCommand command = new NodeCommand();
      new CommandLine(command).parseArgs("--node-id", "t" + i, "--peers", peers, "--bind-address", "127.0.0.1",
          "--client-port", String.valueOf(ports[MEMBERS + i]), "--metrics-port", String.valueOf(ports[2 * MEMBERS + i]),
          "--data-dir", dataDir.resolve("t" + i).toString());
      configs.add(command.toConfig());
    }
    return configs;
  }

  private static List<KvNode> startAll(List<NodeConfig> configs) throws IOException {
    List<KvNode> nodes = new ArrayList<>();
    try {
      for (NodeConfig config : configs) {
        nodes.add(KvNode.start(config));
      }
    } catch (IOException | RuntimeException e) {
      closeAll(nodes);
      throw e;
    }
    return nodes;
  }

  private static void closeAll(List<KvNode> nodes) {
    nodes.forEach(KvNode::close);
  }

  /**
   * Sends the members the requests a cluster gets, through a follower (forwarded writes, read
   * index asked of the leader) and the leader; {@code first}: also writes, watches and snapshots.
   */
  private static void serve(List<KvNode> nodes, boolean first) throws InterruptedException {
    List<ManagedChannel> channels = nodes.stream()
        .map(node -> (ManagedChannel) NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort())
            .usePlaintext().build())
        .toList();
    try {
      for (ManagedChannel channel : channels) {
        if (!awaitServing(channel)) {
          throw new IllegalStateException("a training member never reported SERVING");
        }
      }
      for (ManagedChannel channel : channels) {
        KvStoreGrpc.KvStoreBlockingStub kv = KvStoreGrpc.newBlockingStub(channel)
            .withDeadlineAfter(RPC_DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (first) {
          Iterator<WatchResponse> events =
              kv.watch(WatchRequest.newBuilder().setKey("training/").setPrefix(true).build());
          ByteString value = ByteString.copyFrom(new byte[256]);
          for (int i = 0; i < KEYS_PER_MEMBER; i++) {
            kv.put(PutRequest.newBuilder().setKey("training/" + i).setValue(value).setPrevKv(i % 2 == 0).build());
          }
          events.next();
          MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(RPC_DEADLINE_SECONDS, TimeUnit.SECONDS)
              .snapshot(SnapshotRequest.getDefaultInstance());
        }
        kv.get(GetRequest.newBuilder().setKey("training/1").build());
        kv.getAll(GetAllRequest.newBuilder().setPrefix("training/").build());
        MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(RPC_DEADLINE_SECONDS, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
      }
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Polls the health service until the member knows a leader (an election or two). */
  private static boolean awaitServing(ManagedChannel channel) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RPC_DEADLINE_SECONDS);
    while (System.nanoTime() < deadline) {
      ServingStatus status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      if (status == ServingStatus.SERVING) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return false;
  }

  private static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    int[] ports = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
    return ports;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.delete(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("class-archive training: could not delete " + dir + ": " + e);
    }
  }
}
