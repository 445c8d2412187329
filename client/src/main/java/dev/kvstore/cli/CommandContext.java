package dev.kvstore.cli;

import dev.kvstore.client.KvClient;
import io.grpc.ClientInterceptor;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;

/** What every subcommand needs from the top-level command: the client, the options, the streams. */
interface CommandContext {

  /** The client for the selected endpoints and timeout, connected on first use. */
  KvClient client();

  /**
   * As {@link #client()}, with {@code interceptor} applied to every channel the client opens (see
   * {@link KvClient.Builder#interceptor}): for a command that observes its own calls, as
   * {@code bench} counts their bytes. Call it instead of {@link #client()}, not after it.
   *
   * @throws IllegalStateException when the client was already built without it
   */
  KvClient client(ClientInterceptor interceptor);

  /**
   * Another client, of {@code endpoints} only ({@code host:port[,...]}), with the same timeouts,
   * connected; the caller closes it. For commands that need connections of their own (the watchers
   * of {@code bench watch-latency}, pinned to the nodes given).
   *
   * @throws picocli.CommandLine.ParameterException when {@code endpoints} is not a list of host:port
   */
  KvClient newClient(String endpoints);

  OutputFormat format();

  /** The request timeout the user chose. */
  Duration timeout();

  Printer printer();

  /** Standard error, for messages that are not results. */
  PrintStream err();

  InputStream in();

  /** True when a person is at a terminal. */
  boolean interactive();
}
