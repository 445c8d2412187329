package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.DeleteResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvstore delete KEY}: removes a key; a key that was not there is exit code 3. */
@Command(name = "delete", description = "Removes KEY.")
final class DeleteCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Option(names = "--prev-kv", description = "Also report the deleted entry (json output).")
  private boolean prevKv;

  private final CommandContext context;

  DeleteCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    DeleteResponse response = context.client().delete(key, prevKv);
    if (response.getDeleted() == 0) {
      context.err().println("key not found: " + key);
      return ExitCodes.NOT_FOUND;
    }
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("deleted", response.getDeleted());
      json.addProperty("revision", response.getHeader().getRevision());
      if (prevKv) {
        json.add("prev", JsonView.keyValueOrNull(response.hasPrevKv(), response.getPrevKv()));
      }
      context.printer().json(json);
    } else {
      context.printer().line("deleted " + response.getDeleted());
    }
    return ExitCodes.OK;
  }
}
