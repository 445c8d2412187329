package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KeyValue;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvstore get KEY}: prints a key's value, raw, or its entry as JSON. */
@Command(name = "get", description = "Prints the value of KEY.")
final class GetCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Option(
      names = "--consistency",
      paramLabel = "linearizable|serializable",
      description = "linearizable (default): reflects every acknowledged write; serializable: the"
          + " answering node's local state, faster, may be stale.")
  private Consistency consistency = Consistency.LINEARIZABLE;

  private final CommandContext context;

  GetCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    GetResponse response = context.client().get(key, consistency.toProto());
    if (!response.getFound()) {
      context.err().println("key not found: " + key);
      return ExitCodes.NOT_FOUND;
    }
    if (context.format() == OutputFormat.JSON) {
      KeyValue kv = response.getKv();
      JsonObject json = new JsonObject();
      json.addProperty("key", response.getKey());
      JsonView.addValue(json, response.getValue());
      json.addProperty("create_revision", kv.getCreateRevision());
      json.addProperty("mod_revision", kv.getModRevision());
      json.addProperty("version", kv.getVersion());
      json.addProperty("revision", response.getHeader().getRevision());
      context.printer().json(json);
    } else {
      context.printer().lineWithValue("", response.getValue(), "");
    }
    return ExitCodes.OK;
  }
}
