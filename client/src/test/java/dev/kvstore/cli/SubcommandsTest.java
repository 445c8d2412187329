package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** A command line gets only the subcommand it runs when that is certain, and all of them otherwise. */
class SubcommandsTest {

  private static final CliEnvironment QUIET = new CliEnvironment(
      new ByteArrayInputStream(new byte[0]),
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
      Map.of(),
      false);

  private static CommandSpec top() {
    return new CommandLine(new KvCli(QUIET)).getCommandSpec();
  }

  private static String named(String... args) {
    return Subcommands.named(args, top());
  }

  private static Iterable<String> built(String... args) {
    return KvCli.commandLine(QUIET, args).getSubcommands().keySet();
  }

  @Test
  void theNamesAreThoseOfTheCommandsInHelpOrder() {
    assertThat(KvCli.commandLine(QUIET).getSubcommands().keySet()).containsExactlyElementsOf(Subcommands.names());
  }

  @Test
  void theSubcommandIsTheFirstArgumentThatIsNeitherAGlobalOptionNorItsValue() {
    assertThat(named("get", "k")).isEqualTo("get");
    assertThat(named("--endpoints", "get:1", "get", "k")).isEqualTo("get");
    assertThat(named("--endpoints=h:1", "-o", "json", "--timeout", "1s", "put", "k", "v")).isEqualTo("put");
    assertThat(named("-v", "--connect-timeout", "2s", "status")).isEqualTo("status");
    assertThat(named("frobnicate")).isEqualTo("frobnicate");
  }

  @Test
  void nothingIsNamedWhenTheArgumentsBeforeItCannotBeReadAloneOrDescribeTheWholeCommand() {
    assertThat(named()).isNull();
    assertThat(named("--help", "get")).isNull();
    assertThat(named("-h")).isNull();
    assertThat(named("--version")).isNull();
    assertThat(named("-vojson", "get")).isNull();
    assertThat(named("--no-such-option", "get")).isNull();
    assertThat(named("--", "get")).isNull();
    assertThat(named("--endpoints")).isNull();
  }

  @Test
  void onlyTheNamedSubcommandIsBuiltAndEverySubcommandOtherwise() {
    assertThat(built("--endpoints", "h:1", "get", "k")).containsExactly("get");
    assertThat(built("bench", "--help")).containsExactly("bench");
    assertThat(built("--help", "get")).containsExactlyElementsOf(Subcommands.names());
    assertThat(built("gte", "k")).containsExactlyElementsOf(Subcommands.names());
    assertThat(built(Subcommands.COMPLETION)).containsExactlyElementsOf(Subcommands.names());
  }

  @Test
  void helpBeforeASubcommandStillListsThemAll() {
    CliRun help = CliRun.of("--endpoints", "127.0.0.1:1", "--help", "get");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("populate").contains("snapshot").contains("completion");
  }
}
