package dev.kvstore.comparison;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 3-node kvstore cluster started by {@code deploy/local-cluster.sh}, the way a user starts one,
 * in a folder and on ports of its own (client ports {@code clientPortBase} to +2, Raft ports
 * {@code raftPortBase} to +2). Closing runs the script's {@code clean}: it stops exactly the
 * processes it started and deletes the folder.
 */
final class LocalKvCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalKvCluster.class);
  private static final int NODES = 3;
  // The script waits up to 60 s for the nodes to serve, and a first build takes longer.
  private static final Duration UP_WITHIN = Duration.ofMinutes(5);
  private static final Duration DOWN_WITHIN = Duration.ofMinutes(1);
  // Longer than a TIME_WAIT (60 s): see LoopbackPorts.
  private static final Duration PORTS_FREE_WITHIN = Duration.ofSeconds(75);

  private final Path script;
  private final Path dir;
  private final int clientPortBase;
  private final int raftPortBase;
  private boolean started;

  private LocalKvCluster(Path script, Path dir, int clientPortBase, int raftPortBase) {
    this.script = script;
    this.dir = dir;
    this.clientPortBase = clientPortBase;
    this.raftPortBase = raftPortBase;
  }

  /**
   * Runs {@code local-cluster.sh up}: starts the nodes and waits until each serves.
   *
   * @param repo the repository's top folder (where deploy/local-cluster.sh is)
   * @throws IllegalStateException when the script fails or does not finish within 5 minutes
   */
  static LocalKvCluster start(Path repo, Path dir, int clientPortBase, int raftPortBase)
      throws IOException, InterruptedException {
    LocalKvCluster cluster = new LocalKvCluster(
        repo.resolve("deploy/local-cluster.sh"), dir, clientPortBase, raftPortBase);
    cluster.started = true;
    try {
      List<Integer> ports = new ArrayList<>(IntStream.range(clientPortBase, clientPortBase + NODES).boxed().toList());
      ports.addAll(IntStream.range(raftPortBase, raftPortBase + NODES).boxed().toList());
      LoopbackPorts.awaitFree(ports, PORTS_FREE_WITHIN);
      cluster.run("up", UP_WITHIN);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  List<String> endpoints() {
    return IntStream.range(0, NODES).mapToObj(i -> "127.0.0.1:" + (clientPortBase + i)).toList();
  }

  private void run(String command, Duration within) throws IOException, InterruptedException {
    Files.createDirectories(dir.getParent());
    Path output = dir.getParent().resolve("local-cluster-" + command + ".log");
    ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    Map<String, String> env = builder.environment();
    env.put("KVSTORE_CLUSTER_DIR", dir.toString());
    env.put("KVSTORE_CLIENT_PORT_BASE", Integer.toString(clientPortBase));
    env.put("KVSTORE_RAFT_PORT_BASE", Integer.toString(raftPortBase));
    Process process = builder.start();
    if (!process.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("local-cluster.sh " + command + " did not finish within " + within.toSeconds()
          + " s; see " + output);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("local-cluster.sh " + command + " failed (exit " + process.exitValue() + "): "
          + tail(output));
    }
    log.info("local-cluster.sh {} done ({})", command, output);
  }

  private static String tail(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
  }

  @Override
  public void close() {
    if (!started) {
      return;
    }
    started = false;
    try {
      run("clean", DOWN_WITHIN);
    } catch (IOException | RuntimeException e) {
      log.warn("could not stop the kvstore cluster in {}: {}", dir, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while stopping the kvstore cluster in {}", dir);
    }
  }
}
