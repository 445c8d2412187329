package dev.kvstore.cli;

import dev.kvstore.api.BackupFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kvstore snapshot status FILE}: checks a backup file offline and prints what it holds. */
@Command(
    name = "status",
    description = {"Checks a backup file (offline: no cluster needed) and prints its revision, keys, size and"
        + " SHA-256. A truncated, changed or unknown file is refused (exit code 1) with what is wrong."})
final class SnapshotStatusCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup file (kvstore snapshot save FILE).")
  private Path file;

  private final CommandContext context;

  SnapshotStatusCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    BackupFile.Summary backup = BackupFile.verify(file);
    BackupView.print(context, file, backup);
    return ExitCodes.OK;
  }
}
