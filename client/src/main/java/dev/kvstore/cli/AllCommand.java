package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.KeyValue;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvstore all}: lists keys and values in key order. */
@Command(name = "all", description = "Lists keys and values in key order.")
final class AllCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Option(names = "--prefix", paramLabel = "P", description = "Only keys that start with P.")
  private String prefix = "";

  @Option(names = "--limit", paramLabel = "N", description = "At most N entries (default: the server's maximum).")
  private long limit;

  @Option(
      names = "--consistency",
      paramLabel = "linearizable|serializable",
      description = "linearizable (default) or serializable (local to the answering node).")
  private Consistency consistency = Consistency.LINEARIZABLE;

  private final CommandContext context;

  AllCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    GetAllResponse response = context.client().getAll(prefix, limit, consistency.toProto());
    if (context.format() == OutputFormat.JSON) {
      JsonArray kvs = new JsonArray();
      response.getKvsList().forEach(kv -> kvs.add(JsonView.keyValue(kv)));
      JsonObject json = new JsonObject();
      json.add("kvs", kvs);
      json.addProperty("count", response.getCount());
      json.addProperty("more", response.getMore());
      json.addProperty("revision", response.getHeader().getRevision());
      context.printer().json(json);
    } else {
      for (KeyValue kv : response.getKvsList()) {
        context.printer().lineWithValue(kv.getKey() + "\t", kv.getValue(), "");
      }
      if (response.getMore()) {
        // On stderr so that the listing itself stays one entry per line.
        context.err().printf("(%d of %d entries shown; use --limit for more)%n",
            response.getKvsCount(), response.getCount());
      }
    }
    return ExitCodes.OK;
  }
}
