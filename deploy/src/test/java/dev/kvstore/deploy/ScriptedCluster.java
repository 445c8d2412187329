package dev.kvstore.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cluster run by {@code deploy/local-cluster.sh} as real processes, in its own folder and on
 * free port ranges of {@code nodes} ports each (n1 on the first of each range, n2 on the next, ...;
 * n4 and n5 are the nodes the script can start to join), and the {@code deploy/kvstore} CLI pointed
 * at its first three nodes.
 */
final class ScriptedCluster {

  /** Longest a script or CLI command may take. */
  static final Duration LIMIT = Duration.ofSeconds(120);

  private final int clientBase;
  private final int raftBase;
  private final ProcessRun shell;

  private ScriptedCluster(int clientBase, int raftBase, ProcessRun shell) {
    this.clientBase = clientBase;
    this.raftBase = raftBase;
    this.shell = shell;
  }

  /**
   * A cluster of up to {@code nodes} nodes kept in {@code dir}, metrics off, with {@code extraEnv}
   * added to the script's environment.
   */
  static ScriptedCluster in(Path dir, int nodes, Map<String, String> extraEnv) throws IOException {
    Path repo = Path.of(System.getProperty("kvstore.repo.root", "..")).toRealPath();
    int clientBase = FreePorts.range(nodes);
    int raftBase = FreePorts.range(nodes);
    while (Math.abs(raftBase - clientBase) < nodes) {
      raftBase = FreePorts.range(nodes);
    }
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("KVSTORE_CLUSTER_DIR", dir.toString());
    env.put("KVSTORE_CLIENT_PORT_BASE", String.valueOf(clientBase));
    env.put("KVSTORE_RAFT_PORT_BASE", String.valueOf(raftBase));
    env.put("KVSTORE_METRICS_PORT_BASE", "0");
    env.put("KVSTORE_ENDPOINTS", clientEndpoints(clientBase, 1, 2, 3));
    return new ScriptedCluster(clientBase, raftBase, new ProcessRun(repo, env));
  }

  private static String clientEndpoints(int clientBase, int... nodes) {
    List<String> out = new ArrayList<>();
    for (int n : nodes) {
      out.add("127.0.0.1:" + (clientBase + n - 1));
    }
    return String.join(",", out);
  }

  /** HOST:PORT of the client API of nodes {@code nodes} (1 for n1), comma-separated. */
  String endpoints(int... nodes) {
    return clientEndpoints(clientBase, nodes);
  }

  /** HOST:PORT of node {@code n}'s Raft port. */
  String raftAddress(int n) {
    return "127.0.0.1:" + (raftBase + n - 1);
  }

  /** The script's --peers for n1..n3, with their client addresses, as it starts them. */
  String initialCluster() {
    List<String> out = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      out.add("n" + n + "=" + raftAddress(n) + "/" + endpoints(n));
    }
    return String.join(",", out);
  }

  /** Runs {@code deploy/local-cluster.sh args}. */
  ProcessRun.Result script(String... args) {
    List<String> command = new ArrayList<>(List.of("deploy/local-cluster.sh"));
    command.addAll(List.of(args));
    return shell.run(LIMIT, command);
  }

  /** Runs {@code deploy/kvstore args} against n1..n3 (or what {@code --endpoints} says). */
  ProcessRun.Result cli(String... args) {
    List<String> command = new ArrayList<>(List.of("deploy/kvstore"));
    command.addAll(List.of(args));
    return shell.run(LIMIT, command);
  }
}
