package dev.kvstore.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.api.PutResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kvstore put KEY VALUE}: sets a key, from an argument, a file, or standard input. */
@Command(
    name = "put",
    description = "Sets KEY to VALUE; VALUE '-' reads standard input (binary-safe).")
final class PutCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "The value, or - for standard input.")
  private String value;

  @Option(names = "--file", paramLabel = "PATH", description = "Read the value from this file instead.")
  private Path file;

  @Option(names = "--prev-kv", description = "Also report the previous entry (json output).")
  private boolean prevKv;

  private final CommandContext context;

  PutCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    PutResponse response = context.client().put(key, readValue(), prevKv);
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("revision", response.getHeader().getRevision());
      if (prevKv) {
        json.add("prev", JsonView.keyValueOrNull(response.hasPrevKv(), response.getPrevKv()));
      }
      context.printer().json(json);
    } else {
      context.printer().line("OK");
    }
    return ExitCodes.OK;
  }

  private ByteString readValue() throws IOException {
    if (file != null && value != null) {
      throw new ParameterException(spec.commandLine(), "give either VALUE or --file, not both");
    }
    if (file != null) {
      try {
        return ByteString.copyFrom(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": " + e);
      }
    }
    if (value == null) {
      throw new ParameterException(spec.commandLine(), "missing VALUE (or --file PATH, or - for standard input)");
    }
    return value.equals("-") ? ByteString.readFrom(context.in()) : ByteString.copyFromUtf8(value);
  }
}
