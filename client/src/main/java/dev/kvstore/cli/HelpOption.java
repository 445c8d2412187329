package dev.kvstore.cli;

import picocli.CommandLine.Option;

/** The {@code -h/--help} option of a subcommand ({@code --version} belongs to the top level only). */
final class HelpOption {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  private boolean requested;
}
