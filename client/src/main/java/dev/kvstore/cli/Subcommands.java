package dev.kvstore.cli;

import java.util.List;
import java.util.function.Function;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * The subcommands of {@code kvstore}, added to the top-level command line either all of them or
 * only the one an invocation runs.
 *
 * <p>Why not always all: picocli reads every option of a subcommand by reflection when it is
 * added, which for the nine of them was about 45 ms of a 0.5 s {@code kvstore get} (measured with
 * an AppCDS archive on a busy 2-core machine; docs/benchmarks.md, "CLI start-up"). A command line
 * that names its subcommand gets only that one, and parses exactly as it would with all of them:
 * the global options are inherited by whichever is there. Whenever the subcommand cannot be told
 * for sure (help or version asked for before it, an unknown or clustered option, a mistyped name
 * that deserves picocli's suggestions, {@code completion}, which describes them all), every
 * subcommand is added.
 */
final class Subcommands {

  static final String COMPLETION = "completion";

  /** A subcommand, with the subcommands of its own ({@code bench watch-latency}). */
  private record Subcommand(String name, Function<CommandContext, Object> create, List<Subcommand> nested) {
    Subcommand(String name, Function<CommandContext, Object> create) {
      this(name, create, List.of());
    }
  }

  /** In the order help lists them; each name is its class's {@code @Command(name)}. */
  private static final List<Subcommand> ALL = List.of(
      new Subcommand("put", PutCommand::new),
      new Subcommand("get", GetCommand::new),
      new Subcommand("delete", DeleteCommand::new),
      new Subcommand("txn", TxnCommand::new),
      new Subcommand("cas", CasCommand::new),
      new Subcommand("all", AllCommand::new),
      new Subcommand("range", RangeCommand::new),
      new Subcommand("watch", WatchCommand::new),
      new Subcommand("compact", CompactCommand::new),
      new Subcommand("populate", PopulateCommand::new),
      new Subcommand("bench", BenchCommand::new,
          List.of(new Subcommand("watch-latency", WatchLatencyCommand::new))),
      new Subcommand("lease", LeaseCommand::new, List.of(
          new Subcommand("grant", LeaseGrantCommand::new),
          new Subcommand("revoke", LeaseRevokeCommand::new),
          new Subcommand("keep-alive", LeaseKeepAliveCommand::new),
          new Subcommand("timetolive", LeaseTimeToLiveCommand::new),
          new Subcommand("list", LeaseListCommand::new))),
      new Subcommand("auth", AuthCommand::new),
      new Subcommand("user", UserCommand::new),
      new Subcommand("role", RoleCommand::new),
      new Subcommand("status", StatusCommand::new),
      new Subcommand("member", MemberCommand::new),
      new Subcommand("move-leader", MoveLeaderCommand::new),
      new Subcommand("snapshot", SnapshotCommand::new, List.of(
          new Subcommand("save", SnapshotSaveCommand::new),
          new Subcommand("status", SnapshotStatusCommand::new),
          new Subcommand("restore", SnapshotRestoreRedirect::new))),
      new Subcommand(COMPLETION, context -> new AutoComplete.GenerateCompletion()));

  private Subcommands() {}

  /** Every subcommand's name, in the order help lists them. */
  static List<String> names() {
    return ALL.stream().map(Subcommand::name).toList();
  }

  /** Adds every subcommand to {@code top}. */
  static void addAll(CommandLine top, CommandContext context) {
    ALL.forEach(subcommand -> add(top, subcommand, context));
  }

  /** Adds to {@code top} the subcommand {@code args} runs, or every one when that cannot be told. */
  static void addFor(String[] args, CommandLine top, CommandContext context) {
    String name = named(args, top.getCommandSpec());
    Subcommand only = ALL.stream()
        .filter(subcommand -> subcommand.name().equals(name) && !COMPLETION.equals(name))
        .findFirst()
        .orElse(null);
    if (only == null) {
      addAll(top, context);
    } else {
      add(top, only, context);
    }
  }

  /**
   * The first argument that is not a top-level option or an option's value: the subcommand
   * {@code args} names, or a mistake. Null when there is none, or when an argument before it is
   * not a top-level option picocli would read alone (unknown, clustered like {@code -vojson}, or
   * {@code --}), or asks for help or the version, which describe the whole command.
   */
  static String named(String[] args, CommandSpec top) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-")) {
        return arg;
      }
      int equals = arg.indexOf('=');
      OptionSpec option = arg.equals("--") ? null : top.findOption(equals < 0 ? arg : arg.substring(0, equals));
      if (option == null || option.usageHelp() || option.versionHelp()) {
        return null;
      }
      if (equals < 0 && option.arity().max() > 0) {
        i++;
      }
    }
    return null;
  }

  private static void add(CommandLine top, Subcommand subcommand, CommandContext context) {
    if (subcommand.name().equals(COMPLETION)) {
      top.addSubcommand(COMPLETION, subcommand.create().apply(context));
      top.getSubcommands().get(COMPLETION).getCommandSpec().usageMessage()
          .hidden(false)
          .description("Prints a bash completion script: source <(kvstore completion)");
    } else {
      CommandLine added = new CommandLine(subcommand.create().apply(context));
      subcommand.nested().forEach(nested -> add(added, nested, context));
      top.addSubcommand(added);
    }
  }
}
