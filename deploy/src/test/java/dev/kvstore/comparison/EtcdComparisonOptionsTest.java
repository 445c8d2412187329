package dev.kvstore.comparison;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.bench.OperationType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The harness's command line, without starting anything. */
class EtcdComparisonOptionsTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private EtcdComparison parsed(String... args) {
    CommandLine commandLine = EtcdComparison.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
    commandLine.parseArgs(args);
    return commandLine.getCommand();
  }

  @Test
  void defaultsAreTheIssuesTable() {
    EtcdComparison comparison = parsed();

    assertThat(comparison.checkedLoads()).containsExactly(
        new ComparisonLoad(OperationType.PUT, 1),
        new ComparisonLoad(OperationType.PUT, 16),
        new ComparisonLoad(OperationType.PUT, 64),
        new ComparisonLoad(OperationType.GET, 64),
        new ComparisonLoad(OperationType.GET_SERIALIZABLE, 64));
    assertThat(comparison.rounds).isEqualTo(3);
    assertThat(comparison.warmupRounds).as("measured warm").isEqualTo(1);
    assertThat(comparison.duration).isEqualTo(Duration.ofSeconds(20));
    assertThat(comparison.warmup).isEqualTo(Duration.ofSeconds(5));
    assertThat(comparison.keys).isEqualTo(10_000);
    assertThat(comparison.valueSize).isEqualTo(256);
    assertThat(comparison.clusters.etcdPortBase).isEqualTo(52379);
    assertThat(comparison.clusters.kvstoreClientPortBase).isEqualTo(51051);
    assertThat(comparison.clusters.kvstoreRaftPortBase).isEqualTo(8001);
    assertThat(comparison.kvstoreClient).isEqualTo(EtcdComparison.JAVA_CLIENT);
  }

  @Test
  void readsLoadsAndDurations() {
    EtcdComparison comparison = parsed("--loads", " put:8 , get-serializable:2", "--duration", "1.5s", "--warmup", "0",
        "--rounds", "5", "--warmup-rounds", "0");

    assertThat(comparison.checkedLoads()).containsExactly(
        new ComparisonLoad(OperationType.PUT, 8), new ComparisonLoad(OperationType.GET_SERIALIZABLE, 2));
    assertThat(comparison.duration).isEqualTo(Duration.ofMillis(1500));
    assertThat(comparison.warmup).isZero();
    assertThat(comparison.rounds).isEqualTo(5);
    assertThat(comparison.warmupRounds).isZero();
    assertThat(new ComparisonLoad(OperationType.GET, 64).label()).isEqualTo("linearizable get, 64 in flight");
  }

  @Test
  void badLoadsSayWhatIsWrong() {
    assertThatThrownBy(() -> ComparisonLoad.parseList("put"))
        .hasMessage("load 'put' is not OPERATION:IN_FLIGHT, e.g. put:64 (loads are comma-separated)");
    assertThatThrownBy(() -> ComparisonLoad.parseList("put:many")).hasMessage("load 'put:many': 'many' is not a whole number");
    assertThatThrownBy(() -> ComparisonLoad.parseList("scan:4")).hasMessageContaining("unknown operation 'scan'");
    assertThatThrownBy(() -> ComparisonLoad.parseList("put:0")).hasMessageContaining("at least 1 request in flight");
    assertThatThrownBy(() -> parsed("--loads", "put:x").checkedLoads())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--loads: load 'put:x': 'x' is not a whole number");
    assertThatThrownBy(() -> parsed("--rounds", "0").checkedLoads()).hasMessageContaining("--rounds");
    assertThatThrownBy(() -> parsed("--warmup-rounds", "-1").checkedLoads()).hasMessageContaining("--warmup-rounds");
    assertThatThrownBy(() -> parsed("--duration", "soon")).hasMessageContaining("'soon' is not a duration");
    assertThatThrownBy(() -> parsed("--kvstore-client", "grpc").checkedLoads())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--kvstore-client must be java or round-robin, got 'grpc'");
    assertThat(parsed("--kvstore-client", "round-robin").checkedLoads()).isNotEmpty();
  }

  @Test
  void aBadOptionExitsWith2BeforeStartingAnything() {
    StringWriter err = new StringWriter();
    CommandLine commandLine = EtcdComparison.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
    commandLine.setErr(new PrintWriter(err));

    int exit = commandLine.execute("--loads", "put:1,scan:4");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--loads: unknown operation 'scan'");
    // The first thing a run prints is its work folder: nothing was started.
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
