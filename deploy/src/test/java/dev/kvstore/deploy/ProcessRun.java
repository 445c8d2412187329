package dev.kvstore.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a time limit and captures its exit code and output. */
final class ProcessRun {

  /** What a finished command left behind. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private final Path workDir;
  private final Map<String, String> environment;

  ProcessRun(Path workDir, Map<String, String> environment) {
    this.workDir = workDir;
    this.environment = Map.copyOf(environment);
  }

  Result run(Duration limit, List<String> command) {
    try {
      Path out = Files.createTempFile("kvstore-run", ".out");
      Path err = Files.createTempFile("kvstore-run", ".err");
      try {
        Process p = start(command, out, err);
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw new AssertionError("timed out after " + limit + ": " + String.join(" ", command)
              + "\n--- stdout\n" + Files.readString(out) + "--- stderr\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Starts a command that keeps running (e.g. a watch); the caller stops it. */
  Process start(List<String> command, Path stdout, Path stderr) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().putAll(environment);
    return pb.start();
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
