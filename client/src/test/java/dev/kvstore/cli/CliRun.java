package dev.kvstore.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One execution of the CLI in this JVM, with its exit code and what it printed. */
record CliRun(int exitCode, byte[] stdout, String stderr) {

  String out() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  static CliRun of(String... args) {
    return withInput(new byte[0], Map.of(), args);
  }

  /** {@code kvstore --endpoints ENDPOINT ARGS...}. */
  static CliRun against(String endpoint, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--endpoints";
    all[1] = endpoint;
    System.arraycopy(args, 0, all, 2, args.length);
    return of(all);
  }

  static CliRun withInput(byte[] stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment environment = new CliEnvironment(
        new ByteArrayInputStream(stdin),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        env,
        false);
    int exitCode = KvCli.commandLine(environment, args).execute(args);
    return new CliRun(exitCode, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
