package dev.kvstore.node;

import com.google.protobuf.ByteString;
import dev.kvstore.api.AuthGrpc;
import dev.kvstore.api.AuthStatusRequest;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
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
 * stop, start again from the snapshots and the log, serve linearizable reads, stop; then the same
 * first round on a new group with TLS and authentication on (certificates made by
 * {@link TrainingCertificates}), as root by its client certificate; then delete the folder. The
 * image build runs it ({@code deploy/Dockerfile}); it exits 0, or 1 saying what failed.
 *
 * <p>The same run records a JDK 25+ AOT cache ({@code -XX:AOTCacheOutput=FILE}, JEP 483 and 515):
 * classes loaded and linked, and the method profiles of the run. For those profiles to cover a
 * serving cluster, {@code --load-seconds N} adds {@link TrainingLoad} after the first round, from a
 * JVM of its own; {@code deploy/local-cluster.sh} records its nodes' cache so.
 */
public final class ClassArchiveTraining {

  private static final int MEMBERS = 3;
  private static final int KEYS_PER_MEMBER = 100;
  /** How long the training waits for one step (a member to serve, a call to be answered), in s. */
  private static final long RPC_DEADLINE_SECONDS = 60;
  /** One call's deadline, in s. */
  private static final long CALL_DEADLINE_SECONDS = 10;
  private static final long RETRY_PAUSE_MS = 100;
  /** How long after its length the load's process may take to exit, in s (its start, its drain). */
  private static final long LOAD_EXIT_GRACE_SECONDS = 90;
  /** The longest {@code --load-seconds}, in s: an hour. */
  static final long MAX_LOAD_SECONDS = 3_600;

  private ClassArchiveTraining() {}

  /**
   * @param args none, or {@code --load-seconds N}: after the first round, {@link TrainingLoad} for
   *             N seconds (0 to 3600; 0, the default, runs none), for an AOT cache whose method
   *             profiles should cover a serving cluster; exits 2 with a message on other arguments
   */
  public static void main(String[] args) throws Exception {
    long loadSeconds;
    try {
      loadSeconds = loadSeconds(args);
    } catch (IllegalArgumentException e) {
      System.err.println("class-archive training: " + e.getMessage());
      System.exit(2);
      return;
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    PeerNameCaching.apply();
    Path dataDir = Files.createTempDirectory("kvstore-cds-training");
    int exit = 0;
    try {
      List<NodeConfig> configs = configs(dataDir.resolve("plain"));
      List<KvNode> nodes = startAll(configs);
      try {
        serve(nodes, true);
        if (loadSeconds > 0) {
          load(nodes, Duration.ofSeconds(loadSeconds));
        }
      } finally {
        closeAll(nodes);
      }
      List<KvNode> restarted = startAll(configs);
      try {
        serve(restarted, false);
      } finally {
        closeAll(restarted);
      }
      // A secure start loads some 1,400 more classes (the JDK's TLS, EC keys, bcrypt): unarchived,
      // they cost a restarted secure node seconds of CPU on a busy machine.
      TrainingCertificates certificates = TrainingCertificates.make(dataDir.resolve("tls"));
      List<KvNode> secure = startAll(secureConfigs(dataDir.resolve("secure"), certificates));
      try {
        serve(secure, true, port -> tlsChannel(port, certificates), true);
      } finally {
        closeAll(secure);
      }
    } catch (Exception | AssertionError e) {
      System.err.println("class-archive training failed: " + e);
      exit = 1;
    } finally {
      deleteRecursively(dataDir);
    }
    System.exit(exit);
  }

  static long loadSeconds(String... args) {
    if (args.length == 0) {
      return 0;
    }
    if (args.length != 2 || !args[0].equals("--load-seconds")) {
      throw new IllegalArgumentException("unexpected arguments " + List.of(args) + "; usage: [--load-seconds N]");
    }
    long seconds;
    try {
      seconds = Long.parseLong(args[1]);
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 0 || seconds > MAX_LOAD_SECONDS) {
      throw new IllegalArgumentException(
          "--load-seconds must be a whole number of seconds from 0 to " + MAX_LOAD_SECONDS + ", not '" + args[1] + "'");
    }
    return seconds;
  }

  /**
   * The sustained load through every member, from a JVM of its own ({@link TrainingLoad#main}, on
   * this JVM's java and class path, its output into this one's).
   */
  private static void load(List<KvNode> nodes, Duration length) throws IOException, InterruptedException {
    String endpoints = nodes.stream().map(node -> "127.0.0.1:" + node.clientPort()).collect(Collectors.joining(","));
    String java = ProcessHandle.current().info().command()
        .orElseThrow(() -> new IllegalStateException("cannot tell this JVM's java program"));
    Process load = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        TrainingLoad.class.getName(), endpoints, Long.toString(length.toSeconds()))
        .inheritIO().start();
    try {
      if (!load.waitFor(length.toSeconds() + LOAD_EXIT_GRACE_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the training load did not end " + LOAD_EXIT_GRACE_SECONDS + " s after its length");
      }
      if (load.exitValue() != 0) {
        throw new IllegalStateException("the training load exited with " + load.exitValue());
      }
    } finally {
      load.destroyForcibly();
    }
  }

  /** Three members on loopback, each from a parsed node command line, as a real start does. */
  private static List<NodeConfig> configs(Path dataDir, String... options) throws IOException {
    int[] ports = freePorts(3 * MEMBERS);
    String peers = IntStream.range(0, MEMBERS).mapToObj(i -> "t" + i + "=127.0.0.1:" + ports[i])
        .collect(Collectors.joining(","));
    List<NodeConfig> configs = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      List<String> args = new ArrayList<>(List.of("--node-id", "t" + i, "--peers", peers, "--bind-address", "127.0.0.1",
          "--client-port", String.valueOf(ports[MEMBERS + i]), "--metrics-port", String.valueOf(ports[2 * MEMBERS + i]),
          "--data-dir", dataDir.resolve("t" + i).toString()));
      args.addAll(List.of(options));
      NodeCommand command = new NodeCommand();
      new CommandLine(command).parseArgs(args.toArray(String[]::new));
      configs.add(command.toConfig());
    }
    return configs;
  }

  /**
   * As {@link #configs}, with what docker-compose.secure.yml turns on: client TLS with client
   * certificates required, peer TLS, and authentication with a root password (bcrypt at its lowest
   * cost: the same classes, less time).
   */
  private static List<NodeConfig> secureConfigs(Path dataDir, TrainingCertificates certificates) throws IOException {
    Path password = Files.createDirectories(dataDir).resolve("root-password");
    Files.writeString(password, "training-root-password\n");
    String cert = certificates.cert("node").toString();
    String key = certificates.key("node").toString();
    String ca = certificates.ca().toString();
    return configs(dataDir, "--client-cert-file", cert, "--client-key-file", key, "--client-trusted-ca-file", ca,
        "--client-cert-auth", "--peer-cert-file", cert, "--peer-key-file", key, "--peer-trusted-ca-file", ca,
        "--initial-root-password-file", password.toString(), "--auth-bcrypt-cost", "4");
  }

  private static ManagedChannel plaintextChannel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** A channel as the user root: its client certificate is its identity (mTLS). */
  private static ManagedChannel tlsChannel(int port, TrainingCertificates certificates) {
    try {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(certificates.ca().toFile())
              .keyManager(certificates.cert("root").toFile(), certificates.key("root").toFile()).build())
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("training TLS channel: " + e.getMessage(), e);
    }
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
    serve(nodes, first, ClassArchiveTraining::plaintextChannel, false);
  }

  /**
   * @param authOn the members enable authentication by themselves (the first leader does, from the
   *               root password file): each must have applied that before it is written through,
   *               or a write sent without identity meets authentication at apply time and is refused
   */
  private static void serve(List<KvNode> nodes, boolean first, IntFunction<ManagedChannel> channelTo, boolean authOn)
      throws InterruptedException {
    List<ManagedChannel> channels = nodes.stream().map(node -> channelTo.apply(node.clientPort())).toList();
    try {
      for (ManagedChannel channel : channels) {
        if (!awaitServing(channel)) {
          throw new IllegalStateException("a training member never reported SERVING");
        }
        if (authOn && !awaitAuthEnabled(channel)) {
          throw new IllegalStateException("a training member never applied the enabling of authentication");
        }
      }
      for (ManagedChannel channel : channels) {
        if (first) {
          Iterator<WatchResponse> events = KvStoreGrpc.newBlockingStub(channel)
              .withDeadlineAfter(RPC_DEADLINE_SECONDS, TimeUnit.SECONDS)
              .watch(WatchRequest.newBuilder().setKey("training/").setPrefix(true).build());
          ByteString value = ByteString.copyFrom(new byte[256]);
          for (int i = 0; i < KEYS_PER_MEMBER; i++) {
            PutRequest put = PutRequest.newBuilder().setKey("training/" + i).setValue(value).setPrevKv(i % 2 == 0).build();
            retried(() -> kv(channel).put(put));
          }
          events.next();
          retried(() -> maintenance(channel).snapshot(SnapshotRequest.getDefaultInstance()));
        }
        retried(() -> kv(channel).get(GetRequest.newBuilder().setKey("training/1").build()));
        retried(() -> kv(channel).getAll(GetAllRequest.newBuilder().setPrefix("training/").build()));
        retried(() -> maintenance(channel).status(StatusRequest.getDefaultInstance()));
      }
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Polls the health service until the member knows a leader (an election or two) and has caught
   * up with it since it started (StartupCatchUp): before that it refuses calls, and a watch opened
   * then would fail.
   */
  private static boolean awaitServing(ManagedChannel channel) throws InterruptedException {
    return poll(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.SERVING);
  }

  /** Polls the member's auth status until it has applied the enabling of authentication. */
  private static boolean awaitAuthEnabled(ManagedChannel channel) throws InterruptedException {
    return poll(() -> AuthGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
        .authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled());
  }

  private static KvStoreGrpc.KvStoreBlockingStub kv(ManagedChannel channel) {
    return KvStoreGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static MaintenanceGrpc.MaintenanceBlockingStub maintenance(ManagedChannel channel) {
    return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * The call's answer, calling again while it fails for want of time or of a leader. An image
   * build may run on a machine busy enough for elections and multi-second stalls (seen here: a
   * health check whose 5 s ran out while its channel was still resolving 127.0.0.1); the training
   * only has to load the classes, and a retried put does no harm in its throw-away group.
   */
  private static <T> T retried(Supplier<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RPC_DEADLINE_SECONDS);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if ((code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(RETRY_PAUSE_MS);
      }
    }
  }

  /** Asks {@code condition} (retried as {@link #retried}) until it holds; false after {@value #RPC_DEADLINE_SECONDS} s. */
  private static boolean poll(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RPC_DEADLINE_SECONDS);
    while (System.nanoTime() < deadline) {
      if (retried(condition::getAsBoolean)) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(RETRY_PAUSE_MS);
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
