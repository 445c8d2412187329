package dev.kvstore.node;

import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.node.raft.Peer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * N kvstore nodes in this JVM on 127.0.0.1, each with its own ports and data directory: the one
 * fixture every integration test uses. Nodes can be stopped and started again from their data.
 */
final class TestCluster implements AutoCloseable {

  private final Map<String, NodeConfig> configs = new LinkedHashMap<>();
  private final Map<String, KvNode> running = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TestCluster() {}

  static TestCluster start(int size, Path baseDir) {
    return start(size, baseDir, UnaryOperator.identity());
  }

  /**
   * Starts {@code size} nodes n1..nN, each serving metrics (so every test goes through the metrics
   * interceptor); {@code tweak} adjusts each node's config.
   */
  static TestCluster start(int size, Path baseDir, UnaryOperator<NodeConfig> tweak) {
    TestCluster cluster = configure(size, baseDir, tweak);
    cluster.startAll();
    return cluster;
  }

  /**
   * Configures {@code size} nodes as {@link #start} does without starting them, for tests that
   * prepare their data directories first (a restore); {@link #startAll} starts them.
   */
  static TestCluster configure(int size, Path baseDir, UnaryOperator<NodeConfig> tweak) {
    List<Integer> ports = FreePorts.take(3 * size);
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      peers.add(new Peer("n" + (i + 1), "127.0.0.1", ports.get(3 * i), "127.0.0.1:" + ports.get(3 * i + 1)));
    }
    TestCluster cluster = new TestCluster();
    for (int i = 0; i < size; i++) {
      String id = "n" + (i + 1);
      NodeConfig config = NodeConfig.of(id, peers, "127.0.0.1", ports.get(3 * i + 1), baseDir.resolve(id))
          .withMetricsPort(ports.get(3 * i + 2));
      cluster.configs.put(id, tweak.apply(config));
    }
    return cluster;
  }

  /** Starts every configured node; on a failure, stops those started and rethrows. */
  void startAll() {
    try {
      configs.keySet().forEach(this::startNode);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  void startNode(String id) {
    try {
      running.put(id, KvNode.start(configs.get(id)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts node {@code id} on new ports to join the running cluster (as with
   * {@code --initial-cluster-state existing}): it waits outside the configuration until a member
   * adds it. Its {@code peers} are the cluster's plus itself.
   */
  void startJoiningNode(String id, Path baseDir) {
    startExtraNode(id, baseDir, true);
  }

  /**
   * Starts node {@code id} on new ports with the cluster's peers plus itself: joining
   * ({@code join}), or as if it were a member of a new cluster of those peers (a stale or wrong
   * member list).
   */
  void startExtraNode(String id, Path baseDir, boolean join) {
    List<Integer> ports = FreePorts.take(3);
    List<Peer> peers = new ArrayList<>(configs.values().iterator().next().peers());
    peers.add(new Peer(id, "127.0.0.1", ports.get(0)));
    NodeConfig config = NodeConfig.of(id, peers, "127.0.0.1", ports.get(1), baseDir.resolve(id))
        .withMetricsPort(ports.get(2))
        .withJoinExisting(join);
    configs.put(id, config);
    startNode(id);
  }

  /** Changes the config a stopped node starts with next (same id, ports and data directory). */
  void reconfigure(String id, UnaryOperator<NodeConfig> change) {
    if (running.containsKey(id)) {
      throw new IllegalStateException(id + " is running; stop it first");
    }
    configs.put(id, change.apply(configs.get(id)));
  }

  /** Stops a node gracefully: a leader hands its leadership over first. */
  void stopNode(String id) {
    KvNode node = running.remove(id);
    if (node != null) {
      node.close();
    }
  }

  /** Stops a node without a leadership hand-off, so the others must notice and elect. */
  void crashNode(String id) {
    KvNode node = running.remove(id);
    if (node != null) {
      node.closeWithoutHandOff();
    }
  }

  KvNode node(String id) {
    KvNode node = running.get(id);
    if (node == null) {
      throw new IllegalStateException(id + " is not running");
    }
    return node;
  }

  NodeConfig config(String id) {
    return configs.get(id);
  }

  List<String> ids() {
    return List.copyOf(configs.keySet());
  }

  List<String> runningIds() {
    return List.copyOf(running.keySet());
  }

  String endpoint(String id) {
    return "127.0.0.1:" + configs.get(id).clientPort();
  }

  List<String> endpoints() {
    return configs.keySet().stream().map(this::endpoint).toList();
  }

  /** A plaintext channel to one node's client port; closed with the cluster. */
  ManagedChannel channel(String id) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint(id)).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  /** A blocking stub for one node with a generous deadline, for tests that are not about deadlines. */
  KvStoreGrpc.KvStoreBlockingStub kv(String id) {
    return KvStoreGrpc.newBlockingStub(channel(id)).withDeadlineAfter(15, TimeUnit.SECONDS);
  }

  /**
   * Waits until every running node agrees on one running leader and has caught up with it since it
   * started, and returns the leader's id.
   */
  String awaitLeader() {
    String[] leader = new String[1];
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      Optional<String> first = Optional.empty();
      for (KvNode node : running.values()) {
        Optional<String> seen = node.leaderId();
        if (seen.isEmpty() || (first.isPresent() && !first.equals(seen))) {
          return false;
        }
        first = seen;
      }
      if (first.isEmpty() || !running.containsKey(first.get()) || !running.get(first.get()).isLeader()) {
        return false;
      }
      // A node that has not caught up since it started refuses calls (StartupCatchUp); tests talk
      // to nodes directly right after this.
      if (!running.values().stream().allMatch(KvNode::caughtUpSinceStart)) {
        return false;
      }
      leader[0] = first.get();
      return true;
    });
    return leader[0];
  }

  /**
   * Waits until {@code id} has caught up with the leader since it (re)started: until then it
   * refuses client calls ({@code StartupCatchUp}), so a test that reads from a node it just started
   * waits for this first.
   */
  void awaitCaughtUpSinceStart(String id) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> node(id).caughtUpSinceStart());
  }

  /** Some running node other than {@code id}. */
  String otherThan(String... ids) {
    List<String> excluded = List.of(ids);
    return running.keySet().stream().filter(n -> !excluded.contains(n)).findFirst().orElseThrow();
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    new ArrayList<>(running.keySet()).forEach(this::crashNode);
  }
}
