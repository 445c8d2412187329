package dev.kvstore.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RequestLimits;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    description = "Sets KEY to VALUE; VALUE '-' reads standard input (binary-safe). Values are at most 1 MiB.")
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

  @Option(names = "--lease", paramLabel = "ID", converter = LeaseIdConverter.class,
      description = "Attach the key to this lease (hex id, from 'lease grant'): it is deleted when the lease ends.")
  private long lease;

  private final CommandContext context;

  PutCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    PutResponse response = context.client().put(key, readValue(), prevKv, lease);
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
      return readFile();
    }
    if (value == null) {
      throw new ParameterException(spec.commandLine(), "missing VALUE (or --file PATH, or - for standard input)");
    }
    return value.equals("-") ? readAtMostTheLimit(context.in(), "standard input") : ByteString.copyFromUtf8(value);
  }

  /** A file larger than a value may be is refused by its size, unread: a 5 GB file fails at once. */
  private ByteString readFile() {
    try {
      if (Files.isRegularFile(file)) {
        RequestLimits.checkValueSize(Files.size(file));
      }
      try (InputStream in = Files.newInputStream(file)) {
        return readAtMostTheLimit(in, "--file " + file);
      }
    } catch (StatusRuntimeException e) {
      throw new ParameterException(spec.commandLine(), "--file " + file + ": " + e.getStatus().getDescription());
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": " + reason(e));
    }
  }

  /** The operating system's reason in its own words, not the name of a Java exception class. */
  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** Reads a value of at most the limit (1 MiB), and never more than one byte beyond it. */
  private ByteString readAtMostTheLimit(InputStream in, String source) throws IOException {
    byte[] bytes = in.readNBytes(RequestLimits.MAX_VALUE_BYTES + 1);
    if (bytes.length > RequestLimits.MAX_VALUE_BYTES) {
      throw new ParameterException(spec.commandLine(), source + " holds more than " + RequestLimits.MAX_VALUE_BYTES
          + " bytes; the maximum value is " + RequestLimits.MAX_VALUE_BYTES + " bytes (1 MiB)");
    }
    return ByteString.copyFrom(bytes);
  }
}
