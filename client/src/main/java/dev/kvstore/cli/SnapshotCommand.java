package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.SnapshotResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kvstore snapshot}: has one node take a snapshot now and prints the index it covers. */
@Command(
    name = "snapshot",
    description = {"Has a node take a snapshot now; prints the log index it covers.",
        "A store of a million keys takes seconds: raise --timeout (e.g. --timeout 60s).",
        "Backups: snapshot save FILE (from a live cluster), snapshot status FILE (offline), snapshot restore FILE"
            + " (a new cluster's data directories), as etcdctl's."})
final class SnapshotCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Option(names = "--endpoint", paramLabel = "HOST:PORT", description = "The node to snapshot (default: the first that answers).")
  private String endpoint;

  private final CommandContext context;

  SnapshotCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    SnapshotResponse response;
    if (endpoint == null) {
      response = context.client().snapshot();
    } else {
      try {
        response = context.client().snapshot(endpoint);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "invalid --endpoint: " + e.getMessage());
      }
    }
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("member_id", response.getHeader().getMemberId());
      json.addProperty("snapshot_index", response.getSnapshotIndex());
      context.printer().json(json);
    } else {
      context.printer().line("snapshot index " + response.getSnapshotIndex()
          + (response.getHeader().getMemberId().isEmpty() ? "" : " on " + response.getHeader().getMemberId()));
    }
    return ExitCodes.OK;
  }
}
