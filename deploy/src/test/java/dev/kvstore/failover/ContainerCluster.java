package dev.kvstore.failover;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.PortBinding;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.client.KvClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;

/**
 * Three kvstore node containers built from {@code deploy/Dockerfile}, with the faults the suite
 * injects: kill -9 and restart, pause and resume, and cutting a node off from its peers.
 *
 * <p>Each node sits on two networks: a client network, through which its client port is published
 * on 127.0.0.1 (fixed host ports, so they survive restarts), and a Raft network on which the peers
 * reach each other as {@code raft-nN}. Disconnecting a node from the Raft network partitions it
 * from its peers while clients can still talk to it, which is what a minority partition looks like
 * from the outside. Ryuk cannot run here, so {@link #close()} removes every container, network and
 * the image itself.
 *
 * <p>A secure cluster ({@link #startSecure}) has client mTLS, peer TLS and authentication on, as
 * docker-compose.secure.yml sets them up: each node gets its certificate, key, the CA and root's
 * password file copied to {@code /run/secrets/}, and its clients connect as {@link #access()} says.
 */
final class ContainerCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerCluster.class);
  private static final int CLIENT_PORT = 50051;
  private static final int RAFT_PORT = 7000;

  private final DockerClient docker = DockerClientFactory.instance().client();
  private final String image;
  private final Set<String> buildLeftovers;
  private final Network clientNetwork = Network.newNetwork();
  private final Network raftNetwork = Network.newNetwork();
  private final Map<String, GenericContainer<?>> nodes = new LinkedHashMap<>();
  private final Map<String, Integer> hostPorts = new LinkedHashMap<>();
  /** null: plaintext, no authentication. */
  private final ClusterSecrets secrets;

  private ContainerCluster(String image, Set<String> buildLeftovers, ClusterSecrets secrets) {
    this.image = image;
    this.buildLeftovers = buildLeftovers;
    this.secrets = secrets;
  }

  /** Builds the image and starts n1..n3; returns once every node listens (a leader may still be electing). */
  static ContainerCluster start(Path deployDir, String baseImage) {
    return start(deployDir, baseImage, null);
  }

  /**
   * As {@link #start(Path, String)}, with client mTLS, peer TLS and authentication: the first
   * leader adds root with the password of {@code secrets} and enables authentication (which may
   * happen a moment after this returns).
   */
  static ContainerCluster startSecure(Path deployDir, String baseImage, ClusterSecrets secrets) {
    return start(deployDir, baseImage, secrets);
  }

  private static ContainerCluster start(Path deployDir, String baseImage, ClusterSecrets secrets) {
    // The legacy builder also builds the stages before the target (the cli stage) and leaves
    // their images untagged; those are removed with the cluster.
    DockerClient docker = DockerClientFactory.instance().client();
    Set<String> danglingBefore = danglingImages(docker);
    String image = buildImage(deployDir, baseImage);
    Set<String> leftovers = danglingImages(docker);
    leftovers.removeAll(danglingBefore);
    ContainerCluster cluster = new ContainerCluster(image, leftovers, secrets);
    try {
      List<Integer> ports = freePorts(3);
      String peers = "n1=raft-n1:" + RAFT_PORT + ",n2=raft-n2:" + RAFT_PORT + ",n3=raft-n3:" + RAFT_PORT;
      for (int i = 1; i <= 3; i++) {
        cluster.startNode("n" + i, ports.get(i - 1), peers);
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Builds the node target of deploy/Dockerfile with the docker CLI, exactly as compose does (same
   * context, same .dockerignore). docker-java's own context scanning took minutes on the deploy
   * directory and drops the empty directory the image needs.
   */
  private static String buildImage(Path deployDir, String baseImage) {
    String tag = "kvstore-failover-test:" + Long.toHexString(System.nanoTime());
    List<String> command = List.of("docker", "build", "--quiet", "--target", "node",
        "--build-arg", "BASE_IMAGE=" + baseImage, "-t", tag, "-f", deployDir.resolve("Dockerfile").toString(),
        deployDir.toString());
    try {
      Process build = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
        throw new IllegalStateException("image build failed: " + String.join(" ", command) + "\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the image", e);
    }
    LOG.info("built image {} from {} on base {}", tag, deployDir.resolve("Dockerfile"), baseImage);
    return tag;
  }

  private static Set<String> danglingImages(DockerClient docker) {
    Set<String> ids = new HashSet<>();
    docker.listImagesCmd().withDanglingFilter(true).exec().forEach(i -> ids.add(i.getId()));
    return ids;
  }

  private void startNode(String id, int hostPort, String peers) {
    GenericContainer<?> c = new GenericContainer<>(image)
        .withNetwork(clientNetwork)
        .withNetworkAliases("client-" + id)
        .withEnv("KVSTORE_NODE_ID", id)
        .withEnv("KVSTORE_PEERS", peers)
        .withEnv("KVSTORE_RAFT_PORT", String.valueOf(RAFT_PORT))
        .withEnv("KVSTORE_CLIENT_PORT", String.valueOf(CLIENT_PORT))
        // Snapshots every few hundred entries and small log segments: restarts recover from a
        // snapshot plus log, and a node that was down long enough is sent the leader's snapshot.
        .withEnv("KVSTORE_SNAPSHOT_THRESHOLD", "300")
        .withEnv("KVSTORE_LOG_KEPT_AFTER_SNAPSHOT", "50")
        .withEnv("KVSTORE_LOG_SEGMENT_SIZE", "65536")
        // -Dkvstore.ratis.log=INFO shows elections and appends when a scenario needs debugging
        .withEnv("KVSTORE_RATIS_LOG_LEVEL", System.getProperty("kvstore.ratis.log", "WARN"))
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
            .withPortBindings(PortBinding.parse("127.0.0.1:" + hostPort + ":" + CLIENT_PORT)))
        .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("container." + id)))
        .waitingFor(Wait.forLogMessage(".*serving clients on.*", 1).withStartupTimeout(Duration.ofSeconds(90)));
    if (secrets != null) {
      withSecrets(c, id);
    }
    c.start();
    nodes.put(id, c);
    hostPorts.put(id, hostPort);
    connectRaft(id);
  }

  /**
   * The node's certificate and key (for clients and peers alike), the CA and root's password file
   * under /run/secrets/, and the settings of docker-compose.secure.yml that point at them.
   */
  private void withSecrets(GenericContainer<?> c, String id) {
    // Readable by the image's user (10001); in compose they are bind mounts of the host's files.
    c.withCopyFileToContainer(MountableFile.forHostPath(secrets.file(id + ".pem"), 0444), "/run/secrets/node.pem")
        .withCopyFileToContainer(MountableFile.forHostPath(secrets.file(id + "-key.pem"), 0444),
            "/run/secrets/node-key.pem")
        .withCopyFileToContainer(MountableFile.forHostPath(secrets.file("ca.pem"), 0444), "/run/secrets/ca.pem")
        .withCopyFileToContainer(MountableFile.forHostPath(secrets.file("root-password"), 0444),
            "/run/secrets/root-password")
        .withEnv("KVSTORE_CLIENT_CERT_FILE", "/run/secrets/node.pem")
        .withEnv("KVSTORE_CLIENT_KEY_FILE", "/run/secrets/node-key.pem")
        .withEnv("KVSTORE_CLIENT_TRUSTED_CA_FILE", "/run/secrets/ca.pem")
        .withEnv("KVSTORE_CLIENT_CERT_AUTH", "true")
        .withEnv("KVSTORE_PEER_CERT_FILE", "/run/secrets/node.pem")
        .withEnv("KVSTORE_PEER_KEY_FILE", "/run/secrets/node-key.pem")
        .withEnv("KVSTORE_PEER_TRUSTED_CA_FILE", "/run/secrets/ca.pem")
        .withEnv("KVSTORE_INITIAL_ROOT_PASSWORD_FILE", "/run/secrets/root-password");
  }

  /** How clients reach this cluster: plaintext, or (secure) mTLS signed in as root. */
  ClientAccess access() {
    return secrets == null ? ClientAccess.PLAINTEXT : secrets.root();
  }

  private void connectRaft(String id) {
    docker.connectToNetworkCmd()
        .withNetworkId(raftNetwork.getId())
        .withContainerId(containerId(id))
        .withContainerNetwork(new ContainerNetwork().withAliases(List.of("raft-" + id)))
        .exec();
  }

  List<String> ids() {
    return List.copyOf(nodes.keySet());
  }

  String endpoint(String id) {
    return "127.0.0.1:" + hostPorts.get(id);
  }

  List<String> endpoints() {
    return ids().stream().map(this::endpoint).toList();
  }

  private String containerId(String id) {
    return nodes.get(id).getContainerId();
  }

  /** The leader as the reachable members report it, if they agree on one. */
  Optional<String> leader(KvClient client) {
    try {
      return client.status().getMembersList().stream()
          .filter(m -> m.getReachable() && m.getRole() == MemberRole.LEADER)
          .map(MemberStatus::getId)
          .findFirst();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  void kill(String id) {
    LOG.info("nemesis: kill -9 {}", id);
    docker.killContainerCmd(containerId(id)).withSignal("KILL").exec();
  }


  void restart(String id) {
    LOG.info("nemesis: start {} again", id);
    int since = (int) (System.currentTimeMillis() / 1000);
    docker.startContainerCmd(containerId(id)).exec();
    followLogs(id, since);
  }

  /** The log consumer attached at creation stops when the container dies; follow the new run too. */
  private void followLogs(String id, int sinceEpochSeconds) {
    Logger containerLog = LoggerFactory.getLogger("container." + id);
    docker.logContainerCmd(containerId(id)).withStdOut(true).withStdErr(true).withFollowStream(true)
        .withSince(sinceEpochSeconds)
        .exec(new ResultCallback.Adapter<Frame>() {
          @Override
          public void onNext(Frame frame) {
            containerLog.info("{}", new String(frame.getPayload(), StandardCharsets.UTF_8).stripTrailing());
          }
        });
  }

  /**
   * Freezes {@code id}'s processes (docker pause). The cgroup freezer can fail to freeze a process
   * busy in the kernel (runc: "unable to freeze", seen once in CI under load, 2026-12-02), and runc
   * then thaws the container again: such a failure is tried again, every 200 ms for up to 5 s.
   */
  void pause(String id) {
    LOG.info("nemesis: pause {}", id);
    await("docker pause " + id).atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(200)).until(() -> tryPause(id));
  }

  /** @return false when the freezer could not freeze the container (it runs on); throws on other errors */
  private boolean tryPause(String id) {
    try {
      docker.pauseContainerCmd(containerId(id)).exec();
      return true;
    } catch (InternalServerErrorException e) {
      if (e.getMessage() == null || !e.getMessage().contains("unable to freeze")) {
        throw e;
      }
      LOG.warn("nemesis: pause {} failed, trying again: {}", id, e.getMessage().strip());
      return false;
    }
  }

  void resume(String id) {
    LOG.info("nemesis: resume {}", id);
    docker.unpauseContainerCmd(containerId(id)).exec();
  }

  /** Cuts {@code id} off from its peers; clients still reach it. */
  void isolate(String id) {
    LOG.info("nemesis: isolate {} from its peers", id);
    docker.disconnectFromNetworkCmd().withNetworkId(raftNetwork.getId()).withContainerId(containerId(id)).exec();
  }

  void heal(String id) {
    LOG.info("nemesis: reconnect {} to its peers", id);
    connectRaft(id);
  }

  /** Makes every running, unpaused node print a thread dump into its log (SIGQUIT), for post-mortems. */
  void dumpThreads() {
    for (String id : ids()) {
      try {
        var state = docker.inspectContainerCmd(containerId(id)).exec().getState();
        if (Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getPaused())) {
          docker.killContainerCmd(containerId(id)).withSignal("QUIT").exec();
        }
      } catch (RuntimeException e) {
        LOG.warn("no thread dump of {}: {}", id, e.toString());
      }
    }
  }

  /** Undoes whatever fault a node is in: resumes, starts and reconnects as needed. */
  void healAll() {
    for (String id : ids()) {
      var inspected = docker.inspectContainerCmd(containerId(id)).exec();
      if (Boolean.TRUE.equals(inspected.getState().getPaused())) {
        resume(id);
      }
      if (!Boolean.TRUE.equals(inspected.getState().getRunning())) {
        restart(id);
      }
      boolean onRaft = inspected.getNetworkSettings().getNetworks().values().stream()
          .anyMatch(n -> raftNetwork.getId().equals(n.getNetworkID()));
      if (!onRaft) {
        heal(id);
      }
    }
  }

  @Override
  public void close() {
    for (Map.Entry<String, GenericContainer<?>> e : nodes.entrySet()) {
      try {
        if (isPaused(e.getKey())) {
          resume(e.getKey());
        }
        e.getValue().stop();
      } catch (RuntimeException ex) {
        LOG.warn("could not remove container {}: {}", e.getKey(), ex.toString());
      }
    }
    nodes.clear();
    for (Network n : List.of(clientNetwork, raftNetwork)) {
      try {
        n.close();
      } catch (RuntimeException ex) {
        LOG.warn("could not remove network: {}", ex.toString());
      }
    }
    // Removing by tag only untags; removing by id deletes the image's layers too. But the build
    // cache makes this the very image compose built (kvstore-node:local) when the jars are the
    // same: then only our tag goes, or the suite would delete the compose cluster's image. A
    // container that was just removed may still hold the image for a moment.
    try {
      var inspected = docker.inspectImageCmd(image).exec();
      List<String> tags = inspected.getRepoTags() == null ? List.of() : inspected.getRepoTags();
      String target = tags.stream().anyMatch(t -> !t.equals(image)) ? image : inspected.getId();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
        try {
          docker.removeImageCmd(target).withForce(true).exec();
          return true;
        } catch (NotFoundException gone) {
          return true;
        } catch (RuntimeException inUse) {
          return false;
        }
      });
    } catch (NotFoundException gone) {
      // never built or already removed
    } catch (RuntimeException ex) {
      LOG.warn("could not remove image {}: {}", image, ex.toString());
    }
    for (String leftover : buildLeftovers) {
      try {
        docker.removeImageCmd(leftover).exec();
      } catch (RuntimeException ex) {
        LOG.warn("could not remove build leftover image {}: {}", leftover, ex.toString());
      }
    }
  }

  private boolean isPaused(String id) {
    try {
      return Boolean.TRUE.equals(docker.inspectContainerCmd(containerId(id)).exec().getState().getPaused());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static List<Integer> freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new IllegalStateException("no free ports", e);
    } finally {
      held.forEach(s -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      });
    }
  }
}
