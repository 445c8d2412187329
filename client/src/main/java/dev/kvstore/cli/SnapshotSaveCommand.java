package dev.kvstore.cli;

import dev.kvstore.api.BackupFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kvstore snapshot save FILE}: a backup of the live cluster at one revision, as etcdctl's snapshot save. */
@Command(
    name = "save",
    description = {"Saves a backup of the whole cluster at one revision (every write acknowledged before it"
        + " included) into FILE: written to FILE.part and renamed to FILE (replacing it) once complete and its"
        + " SHA-256 verified. Prints revision, keys, size and checksum.",
        "Needs the role root when authentication is on. --timeout bounds the whole download: raise it for a large"
            + " store (e.g. --timeout 10m)."})
final class SnapshotSaveCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the backup.")
  private Path file;

  @Option(names = "--endpoint", paramLabel = "HOST:PORT",
      description = "The node to take it from (default: the first that answers).")
  private String endpoint;

  private final CommandContext context;

  SnapshotSaveCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (file.getFileName() == null) {
      throw new ParameterException(spec.commandLine(), "FILE '" + file + "' names no file");
    }
    BackupFile.Summary saved;
    if (endpoint == null) {
      saved = context.client().saveBackup(file);
    } else {
      try {
        saved = context.client().saveBackup(file, endpoint);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "invalid --endpoint: " + e.getMessage());
      }
    }
    if (context.format() != OutputFormat.JSON) {
      context.printer().line("snapshot saved at " + file);
    }
    BackupView.print(context, file, saved);
    return ExitCodes.OK;
  }
}
