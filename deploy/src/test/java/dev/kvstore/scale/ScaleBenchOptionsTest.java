package dev.kvstore.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.scale.ScaleBench.Victim;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The scale benchmark's command line, without starting anything. */
class ScaleBenchOptionsTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private ScaleBench parsed(String... args) {
    CommandLine commandLine = ScaleBench.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
    commandLine.parseArgs(args);
    return commandLine.getCommand();
  }

  @Test
  void defaultsAreTheIssuesTargets() {
    ScaleBench bench = parsed();

    assertThat(bench.checkedOptions()).containsExactly(Victim.FOLLOWER, Victim.LEADER);
    assertThat(bench.keys).isEqualTo(1_000_000);
    assertThat(bench.valueSize).isEqualTo(256);
    assertThat(bench.stallConcurrency).isEqualTo(16);
    assertThat(bench.stallDuration).isEqualTo(Duration.ofSeconds(30));
    assertThat(bench.stallRounds).isEqualTo(2);
    assertThat(bench.clientPortBase).isEqualTo(53051);
    assertThat(bench.raftPortBase).isEqualTo(9001);
  }

  @Test
  void readsPhasesAndDurations() {
    ScaleBench bench = parsed("--keys", "100000", "--restart", "leader", "--stall-rounds", "0", "--stall-duration", "1.5s",
        "--warmup", "0");

    assertThat(bench.checkedOptions()).containsExactly(Victim.LEADER);
    assertThat(bench.keys).isEqualTo(100_000);
    assertThat(bench.stallRounds).isZero();
    assertThat(bench.stallDuration).isEqualTo(Duration.ofMillis(1500));
    assertThat(bench.warmup).isZero();
    assertThat(parsed("--restart", "none").checkedOptions()).isEmpty();
  }

  @Test
  void badOptionsSayWhatIsWrong() {
    assertThatThrownBy(() -> parsed("--restart", "follower,witness").checkedOptions())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--restart: 'witness' is not a node to restart; use follower, leader or none");
    assertThatThrownBy(() -> parsed("--keys", "0").checkedOptions()).hasMessageContaining("--keys");
    assertThatThrownBy(() -> parsed("--stall-rounds", "-1").checkedOptions()).hasMessageContaining("--stall-rounds");
    assertThatThrownBy(() -> parsed("--skip-load").checkedOptions()).hasMessageContaining("--skip-load needs --cluster-dir");
    assertThatThrownBy(() -> parsed("--stall-duration", "0").checkedOptions()).hasMessageContaining("--stall-duration");
  }

  @Test
  void aBadOptionExitsWith2BeforeStartingAnything() {
    StringWriter err = new StringWriter();
    CommandLine commandLine = ScaleBench.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
    commandLine.setErr(new PrintWriter(err));

    int exit = commandLine.execute("--restart", "everyone");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("'everyone' is not a node to restart");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
