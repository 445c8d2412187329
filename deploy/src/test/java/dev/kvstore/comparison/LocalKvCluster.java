package dev.kvstore.comparison;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 3-node kvstore cluster started by {@code deploy/local-cluster.sh}, the way a user starts one,
 * in a folder and on ports of its own (client ports {@code clientPortBase} to +2, Raft ports
 * {@code raftPortBase} to +2, metrics ports the script's default, client port + 100, unless
 * {@code KVSTORE_METRICS_PORT_BASE} is set). Nodes are named n1, n2, n3. Closing runs the script's
 * {@code clean}: it stops exactly the processes it started and deletes the folder. Used by the
 * etcd comparison and the scale benchmark ({@code dev.kvstore.scale}).
 */
public final class LocalKvCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalKvCluster.class);
  private static final int NODES = 3;
  // The script waits up to 60 s for the nodes to serve, and a first build takes longer.
  private static final Duration UP_WITHIN = Duration.ofMinutes(5);
  private static final Duration DOWN_WITHIN = Duration.ofMinutes(1);
  private static final Duration NODE_COMMAND_WITHIN = Duration.ofSeconds(30);
  // Longer than a TIME_WAIT (60 s): see LoopbackPorts.
  private static final Duration PORTS_FREE_WITHIN = Duration.ofSeconds(75);

  private final Path script;
  private final Path dir;
  private final int clientPortBase;
  private final int raftPortBase;
  private final int metricsPortBase;
  private boolean started;
  private volatile boolean keepData;

  private LocalKvCluster(Path script, Path dir, int clientPortBase, int raftPortBase, int metricsPortBase) {
    this.script = script;
    this.dir = dir;
    this.clientPortBase = clientPortBase;
    this.raftPortBase = raftPortBase;
    this.metricsPortBase = metricsPortBase;
  }

  /**
   * Runs {@code local-cluster.sh up}: starts the nodes and waits until each serves.
   *
   * @param repo the repository's top folder (where deploy/local-cluster.sh is)
   * @throws IllegalStateException when the script fails or does not finish within 5 minutes
   */
  public static LocalKvCluster start(Path repo, Path dir, int clientPortBase, int raftPortBase)
      throws IOException, InterruptedException {
    return start(repo, dir, clientPortBase, raftPortBase, clientPortBase + 100);
  }

  /** As {@link #start(Path, Path, int, int)}, with metrics on ports {@code metricsPortBase} to +2 (0: off). */
  public static LocalKvCluster start(Path repo, Path dir, int clientPortBase, int raftPortBase, int metricsPortBase)
      throws IOException, InterruptedException {
    LocalKvCluster cluster = new LocalKvCluster(
        repo.resolve("deploy/local-cluster.sh"), dir, clientPortBase, raftPortBase, metricsPortBase);
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

  /** Client endpoints ({@code 127.0.0.1:port}) of n1, n2, n3 in that order. */
  public List<String> endpoints() {
    return IntStream.range(0, NODES).mapToObj(i -> "127.0.0.1:" + (clientPortBase + i)).toList();
  }

  /** The node names, n1 to n3, in the order of {@link #endpoints()}. */
  public List<String> nodes() {
    return IntStream.rangeClosed(1, NODES).mapToObj(i -> "n" + i).toList();
  }

  /** The client endpoint of {@code node} ({@code n1} to {@code n3}). */
  public String endpoint(String node) {
    return endpoints().get(index(node));
  }

  private int index(String node) {
    int index = nodes().indexOf(node);
    if (index < 0) {
      throw new IllegalArgumentException("no node '" + node + "'; nodes are " + nodes());
    }
    return index;
  }

  /** The node's Prometheus endpoint ({@code http://127.0.0.1:port/metrics}); empty when metrics are off. */
  public Optional<URI> metrics(String node) {
    return metricsPortBase == 0 ? Optional.empty()
        : Optional.of(URI.create("http://127.0.0.1:" + (metricsPortBase + index(node)) + "/metrics"));
  }

  /** The node's log file, which the script appends to at every start. */
  public Path log(String node) {
    return dir.resolve(node).resolve("node.log");
  }

  /** The node's data folder (Raft log and snapshots). */
  public Path dataDir(String node) {
    return dir.resolve(node).resolve("data");
  }

  /**
   * The process id of the running {@code node}, from the script's pid file.
   *
   * @throws IllegalStateException when the node has no pid file (never started, or stopped)
   */
  public long pid(String node) throws IOException {
    Path pidFile = dir.resolve(node + ".pid");
    if (!Files.exists(pidFile)) {
      throw new IllegalStateException(node + " is not running (no " + pidFile + ")");
    }
    return Long.parseLong(Files.readString(pidFile).trim());
  }

  /**
   * The nodes' processes (from the pid files), to measure their CPU time.
   *
   * @throws IllegalStateException when a node is not running
   */
  public List<ProcessHandle> processes() throws IOException {
    List<ProcessHandle> processes = new ArrayList<>();
    for (String node : nodes()) {
      long pid = pid(node);
      processes.add(ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(node + " (pid " + pid + ") has ended")));
    }
    return processes;
  }

  /** Runs {@code local-cluster.sh kill NODE}: kill -9, no goodbye. */
  public void kill(String node) throws IOException, InterruptedException {
    run(List.of("kill", node), NODE_COMMAND_WITHIN);
  }

  /**
   * Runs {@code local-cluster.sh start NODE --no-wait}: returns once the process is launched, not
   * when it serves (the caller polls it).
   */
  public void startNoWait(String node) throws IOException, InterruptedException {
    run(List.of("start", node, "--no-wait"), NODE_COMMAND_WITHIN);
  }

  private void run(String command, Duration within) throws IOException, InterruptedException {
    run(List.of(command), within);
  }

  private void run(List<String> arguments, Duration within) throws IOException, InterruptedException {
    String command = String.join(" ", arguments);
    Files.createDirectories(dir.getParent());
    // One file per command and node: "local-cluster-up.log", "local-cluster-start-n2.log".
    String name = String.join("-", arguments.subList(0, Math.min(2, arguments.size())));
    Path output = dir.getParent().resolve("local-cluster-" + name + ".log");
    List<String> commandLine = new ArrayList<>(List.of("bash", script.toString()));
    commandLine.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(commandLine)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    Map<String, String> env = builder.environment();
    env.put("KVSTORE_CLUSTER_DIR", dir.toString());
    env.put("KVSTORE_CLIENT_PORT_BASE", Integer.toString(clientPortBase));
    env.put("KVSTORE_RAFT_PORT_BASE", Integer.toString(raftPortBase));
    env.put("KVSTORE_METRICS_PORT_BASE", Integer.toString(metricsPortBase));
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

  /** Makes {@link #close()} stop the nodes and keep the folder (the script's {@code down}) instead of deleting it. */
  public void keepDataOnClose() {
    keepData = true;
  }

  /**
   * Runs the script's {@code clean}: stops the nodes it started and deletes the folder (or
   * {@code down}, which keeps it: see {@link #keepDataOnClose()}).
   */
  @Override
  public void close() {
    if (!started) {
      return;
    }
    started = false;
    try {
      run(keepData ? "down" : "clean", DOWN_WITHIN);
    } catch (IOException | RuntimeException e) {
      log.warn("could not stop the kvstore cluster in {}: {}", dir, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while stopping the kvstore cluster in {}", dir);
    }
  }
}
