package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.CompactResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code kvstore compact REVISION}: discards history before REVISION on every member, as
 * {@code etcdctl compaction}. A revision already compacted or not yet reached fails with the range
 * allowed (exit 1, OUT_OF_RANGE).
 */
@Command(name = "compact", description = {"Discards the history before REVISION on every member: reads at and"
    + " watches from older revisions fail afterwards. The leader also compacts on its own"
    + " (kvstore-node --auto-compaction-retention)."})
final class CompactCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "REVISION", description = "The oldest revision to keep readable (>= 1).")
  private long revision;

  private final CommandContext context;

  CompactCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    CompactResponse response = context.client().compact(revision);
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("compact_revision", response.getCompactRevision());
      json.addProperty("revision", response.getHeader().getRevision());
      context.printer().json(json);
    } else {
      context.printer().line("compacted at revision " + response.getCompactRevision());
    }
    return ExitCodes.OK;
  }
}
