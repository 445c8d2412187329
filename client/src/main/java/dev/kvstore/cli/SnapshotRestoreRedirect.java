package dev.kvstore.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code kvstore snapshot restore} reached through the client's jar, which cannot run it: a restore
 * writes a node's Raft storage, which only the node's jar knows. Says where it runs instead.
 */
@Command(
    name = "restore",
    description = {"Builds a new cluster member's data directory from a backup: runs from the node's jar"
        + " (deploy/kvstore does that for you), as",
        "  java -cp node/target/kvstore-node.jar dev.kvstore.node.SnapshotRestoreCommand FILE --data-dir DIR"
            + " --name ID --initial-cluster ID=HOST:PORT,... [--cluster-id NAME]"})
final class SnapshotRestoreRedirect implements Callable<Integer> {

  /** Restore's own arguments, passed on by deploy/kvstore. */
  @Unmatched
  private List<String> arguments;

  private final CommandContext context;

  SnapshotRestoreRedirect(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    context.err().println("error: kvstore snapshot restore writes a node's Raft storage and runs from the node's jar:"
        + " use deploy/kvstore snapshot restore ..., or java -cp kvstore-node.jar"
        + " dev.kvstore.node.SnapshotRestoreCommand FILE --data-dir DIR --name ID --initial-cluster ID=HOST:PORT,..."
        + " (see README, \"Backup and restore\")");
    return ExitCodes.USAGE;
  }
}
