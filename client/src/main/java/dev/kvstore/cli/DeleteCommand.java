package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.RequestLimits;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore delete KEY [RANGE_END]} or {@code delete --prefix PREFIX}: removes a key, or every
 * key of an interval or a prefix at one revision (a DeleteRange); nothing removed is exit code 3.
 */
@Command(name = "delete", description = {"Removes KEY; with RANGE_END, every key in [KEY, RANGE_END) ('\\0': every"
    + " key from KEY on); with --prefix, every key that starts with KEY. A range is removed at one revision.",
    "Exits 3 when nothing was removed."})
final class DeleteCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Parameters(index = "1", arity = "0..1", paramLabel = "RANGE_END",
      description = "End of the interval [KEY, RANGE_END); \\0 for every key from KEY on.")
  private String rangeEnd;

  @Option(names = "--prefix", description = "Remove every key that starts with KEY (\"\" = every key).")
  private boolean prefix;

  @Option(names = "--prev-kv", description = "Also report the deleted entry (json output).")
  private boolean prevKv;

  private final CommandContext context;

  DeleteCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (prefix || rangeEnd != null) {
      return deleteRange();
    }
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

  private int deleteRange() {
    if (prefix && rangeEnd != null) {
      throw new ParameterException(spec.commandLine(), "give either --prefix or RANGE_END, not both");
    }
    DeleteRangeResponse response = prefix
        ? context.client().deletePrefix(key, prevKv)
        : context.client().deleteRange(key, rangeEnd.equals("\\0") ? RequestLimits.ALL_FROM_KEY : rangeEnd, prevKv);
    if (response.getDeleted() == 0) {
      context.err().println("no key " + (prefix ? "with prefix " + key : "in [" + key + ", " + rangeEnd + ")"));
      return ExitCodes.NOT_FOUND;
    }
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = TxnCommand.deleted(response);
      json.addProperty("revision", response.getHeader().getRevision());
      context.printer().json(json);
    } else {
      context.printer().line("deleted " + response.getDeleted());
    }
    return ExitCodes.OK;
  }
}
