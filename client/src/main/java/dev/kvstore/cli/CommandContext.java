package dev.kvstore.cli;

import dev.kvstore.client.KvClient;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;

/** What every subcommand needs from the top-level command: the client, the options, the streams. */
interface CommandContext {

  /** The client for the selected endpoints and timeout, connected on first use. */
  KvClient client();

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
