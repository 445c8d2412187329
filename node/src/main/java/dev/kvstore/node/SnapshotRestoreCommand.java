package dev.kvstore.node;

import ch.qos.logback.classic.Level;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.kvstore.api.BackupFileException;
import dev.kvstore.node.raft.BackupRestore;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.PeerList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code kvstore snapshot restore}: builds one member's data directory of a new cluster from a
 * backup ({@link BackupRestore}), as etcd's {@code snapshot restore}. It lives in the node's jar
 * because it writes Raft storage, which the client's jar knows nothing of; {@code deploy/kvstore}
 * runs it for {@code kvstore snapshot restore}, and
 * {@code java -cp kvstore-node.jar dev.kvstore.node.SnapshotRestoreCommand} runs it anywhere.
 */
@Command(
    name = "kvstore snapshot restore",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Builds the data directory of one member of a NEW cluster from a backup (kvstore snapshot save), as etcd's"
            + " snapshot restore. Run it once per member with the same backup, --initial-cluster and --cluster-id;"
            + " then start each node with --node-id = its --name, --peers = --initial-cluster and that data directory.",
        "The new cluster holds every key of the backup at its revision, its users and roles, and its leases (each"
            + " runs a fresh TTL from the new cluster's first leader on). It gets a new cluster id, so it never"
            + " talks to the old cluster's nodes."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Restored.",
        "1:The backup is corrupt, truncated, of an unknown version, or could not be read or written.",
        "2:Usage error: bad arguments, a non-empty data directory, or the old cluster's id."})
public final class SnapshotRestoreCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup file (kvstore snapshot save FILE).")
  Path backup;

  @Option(names = "--data-dir", paramLabel = "DIR", required = true,
      description = "The member's new data directory: must not exist or be empty.")
  Path dataDir;

  @Option(names = "--name", paramLabel = "ID", required = true,
      description = "The member's id (its --node-id); one of --initial-cluster.")
  String name;

  @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT[,...]", required = true,
      description = "Every member of the new cluster as ID=HOST:RAFT_PORT (the nodes' --peers).")
  String initialCluster;

  @Option(names = "--cluster-id", paramLabel = "NAME",
      description = "The new cluster's id (the nodes' --cluster-id); must differ from the backup's cluster."
          + " Default: restored- and the first 12 hex digits of the backup's SHA-256, the same for every member."
          + " A node started on the directory without --cluster-id takes it from there.")
  String clusterId;

  @Option(names = {"-o", "--output"}, paramLabel = "plain|json", description = "Output format (default: plain).")
  String output = "plain";

  private final PrintStream out;

  SnapshotRestoreCommand(PrintStream out) {
    this.out = out;
  }

  /** Runs the command and exits with its exit code. */
  public static void main(String[] args) {
    // Ratis logs every step of formatting a storage at INFO; a command prints its result.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    System.exit(commandLine(System.out, System.err).execute(args));
  }

  /** The command line writing results to {@code out} and errors to {@code err}. */
  static CommandLine commandLine(PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new SnapshotRestoreCommand(out));
    cli.setOut(new java.io.PrintWriter(out, true));
    cli.setErr(new java.io.PrintWriter(err, true));
    cli.setParameterExceptionHandler((e, args) -> {
      err.println("error: " + e.getMessage() + " (see 'kvstore snapshot restore --help')");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      err.println("error: " + e.getMessage());
      return e instanceof IllegalArgumentException ? 2 : 1;
    });
    return cli;
  }

  @Override
  public Integer call() throws IOException {
    if (!output.equals("plain") && !output.equals("json")) {
      throw new IllegalArgumentException("--output '" + output + "' is unknown; use plain or json");
    }
    List<Peer> peers;
    try {
      peers = PeerList.parse(initialCluster);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().replace("--peers", "--initial-cluster"));
    }
    BackupRestore.Result result;
    try {
      result = BackupRestore.restore(backup, dataDir, name, peers, clusterId);
    } catch (BackupFileException e) {
      throw new IOException(e.getMessage() + "; nothing was restored", e);
    }
    String members = peers.stream().map(Peer::toString).collect(Collectors.joining(","));
    String start = "kvstore-node --node-id " + name + " --peers " + members + " --data-dir " + result.dataDir()
        + " --cluster-id " + result.clusterId();
    if (output.equals("json")) {
      JsonObject json = new JsonObject();
      json.addProperty("data_dir", result.dataDir().toString());
      json.addProperty("member_id", name);
      json.addProperty("cluster_id", result.clusterId());
      json.addProperty("raft_group_id", result.groupId().getUuid().toString());
      json.addProperty("revision", result.backup().revision());
      json.addProperty("key_count", result.backup().keyCount());
      json.addProperty("leases", result.installed().leases());
      json.addProperty("size_bytes", result.backup().sizeBytes());
      json.addProperty("sha256", result.backup().sha256Hex());
      json.addProperty("start", start);
      out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(json));
    } else {
      out.println("restored revision " + result.backup().revision() + " (" + result.backup().keyCount() + " keys, "
          + result.installed().leases() + " leases) into " + result.dataDir());
      out.println("member " + name + " of the new cluster '" + result.clusterId() + "' (Raft group "
          + result.groupId().getUuid() + "), taken from cluster '" + result.backup().header().getClusterName()
          + "' (" + result.backup().header().getClusterId() + ")");
      out.println("backup: " + result.backup().sizeBytes() + " bytes, SHA-256 " + result.backup().sha256Hex());
      out.println("start it with: " + start);
    }
    return 0;
  }
}
