package dev.kvstore.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * What the CLI takes from its process: standard streams, environment variables, and whether a
 * person is at a terminal. Tests and programs that embed the CLI pass their own (with
 * {@link KvCli#commandLine(CliEnvironment, String[])}).
 *
 * @param in standard input (values for {@code put KEY -})
 * @param out standard output: results only
 * @param err standard error: errors and progress
 * @param env environment variables ({@code KVSTORE_ENDPOINTS})
 * @param interactive true when a terminal is attached, so progress can redraw in place
 */
public record CliEnvironment(
    InputStream in, PrintStream out, PrintStream err, Map<String, String> env, boolean interactive) {

  /** The real process's streams and environment. */
  public static CliEnvironment system() {
    return new CliEnvironment(System.in, System.out, System.err, System.getenv(), System.console() != null);
  }
}
