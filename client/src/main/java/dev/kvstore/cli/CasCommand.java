package dev.kvstore.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.client.CasResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kvstore cas KEY --expect VALUE|--mod-revision N --value NEW}: a compare-and-swap, the
 * shortcut for the most common transaction. Exits 0 when it won and {@link ExitCodes#COMPARE_FAILED}
 * when the expectation did not hold (nothing written), so scripts can branch on it.
 */
@Command(
    name = "cas",
    description = {
        "Compare-and-swap: sets KEY to --value only if its value is --expect, or its last write was at"
            + " --mod-revision (0: only if KEY does not exist); atomically, so of concurrent swaps from the"
            + " same expectation exactly one wins.",
        "Exits 0 when the swap happened, 5 when the expectation did not hold (nothing written; the current"
            + " entry is reported)."})
final class CasCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Expectation expectation;

  @Option(names = "--value", required = true, paramLabel = "NEW", description = "The value to write.")
  private String value;

  @picocli.CommandLine.Spec
  private picocli.CommandLine.Model.CommandSpec spec;

  private final CommandContext context;

  CasCommand(CommandContext context) {
    this.context = context;
  }

  /** What KEY must hold for the swap to happen: one of the two. */
  static final class Expectation {
    @Option(names = "--expect", paramLabel = "VALUE", description = "The value KEY must have.")
    String value;

    @Option(names = "--mod-revision", paramLabel = "N",
        description = "The revision of KEY's last write (0: KEY must not exist).")
    Long modRevision;
  }

  @Override
  public Integer call() {
    if (expectation.modRevision != null && expectation.modRevision < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mod-revision must be 0 (KEY must not"
          + " exist) or a revision >= 1, got " + expectation.modRevision);
    }
    ByteString next = ByteString.copyFromUtf8(value);
    CasResult result = expectation.value != null
        ? context.client().cas(key, ByteString.copyFromUtf8(expectation.value), next)
        : context.client().casModRevision(key, expectation.modRevision, next);
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("won", result.won());
      json.addProperty("revision", result.revision());
      json.add("current", JsonView.keyValueOrNull(result.current() != null, result.current()));
      context.printer().json(json);
    } else if (result.won()) {
      context.printer().line("OK");
    }
    if (!result.won()) {
      context.err().println("compare failed: " + key + (result.current() == null ? " does not exist"
          : " has mod revision " + result.current().getModRevision() + " and version "
              + result.current().getVersion()) + "; nothing written");
      return ExitCodes.COMPARE_FAILED;
    }
    return ExitCodes.OK;
  }
}
