package dev.kvstore.comparison;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.bench.DeliveryCheck;
import dev.kvstore.bench.Latency;
import dev.kvstore.bench.PacedPuts;
import dev.kvstore.bench.WatchLatencyReport;
import dev.kvstore.comparison.ComparisonReport.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The watch comparison's command line and report, without starting anything. */
class WatchComparisonTest {

  private static WatchComparison parsed(String... args) {
    CommandLine commandLine = WatchComparison.commandLine(new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    commandLine.parseArgs(args);
    return commandLine.getCommand();
  }

  @Test
  void defaultsAreTheIssuesTarget() {
    WatchComparison comparison = parsed();

    assertThat(comparison.checkedLayout().watchers()).isEqualTo(10_000);
    assertThat(comparison.checkedLayout().keys()).isEqualTo(10_000);
    assertThat(comparison.rate).isEqualTo(1000);
    assertThat(comparison.watchOn).isEqualTo(WatchComparison.WatchOn.FOLLOWER);
    assertThat(comparison.warmupRounds).as("measured warm").isEqualTo(1);
    assertThat(comparison.clusters.etcdPortBase).isEqualTo(52379);
  }

  @Test
  void refusesWhatCannotRunAndSaysWhy() {
    assertThatThrownBy(() -> parsed("--watchers", "10", "--watchers-per-key", "3").checkedLayout())
        .isInstanceOf(ParameterException.class).hasMessageContaining("multiple of --watchers-per-key");
    assertThatThrownBy(() -> parsed("--value-size", "4").checkedLayout())
        .isInstanceOf(ParameterException.class).hasMessageContaining("--value-size must be at least 8");
    assertThatThrownBy(() -> parsed("--rate", "0").checkedLayout())
        .isInstanceOf(ParameterException.class).hasMessageContaining("--rate");
    assertThatThrownBy(() -> parsed("--rounds", "0").checkedLayout())
        .isInstanceOf(ParameterException.class).hasMessageContaining("--rounds");
    assertThat(parsed("--watch-on", "LEADER").watchOn).isEqualTo(WatchComparison.WatchOn.LEADER);
  }

  private static WatchComparisonReport.Run run(long deliveryP99Micros, double serverMicros) {
    Latency delivery = new Latency(1000, 2000, deliveryP99Micros, deliveryP99Micros, deliveryP99Micros, 1500);
    Latency put = new Latency(500, 800, 900, 950, 1000, 600);
    PacedPuts.Result puts = new PacedPuts.Result(Duration.ofSeconds(10), 10_000, 10_000, 0, Map.of(), put, Duration.ZERO);
    WatchLatencyReport report = new WatchLatencyReport(puts, new DeliveryCheck(10_000, 10_000, 0, 0, 0), delivery, 0, 0);
    return new WatchComparisonReport.Run(report, new CpuCost(serverMicros, 100), 2.0);
  }

  @Test
  void reportsMediansAndTheMedianOfEachRoundsRatio() {
    WatchComparisonReport report = new WatchComparisonReport();
    report.add(Store.KVSTORE, run(100_000, 600));
    report.add(Store.ETCD, run(50_000, 300));
    report.add(Store.KVSTORE, run(300_000, 900));
    report.add(Store.ETCD, run(100_000, 300));

    List<String> markdown = report.markdown();

    assertThat(markdown.get(0)).startsWith("| system | delivery p50 ms | delivery p99 ms |");
    assertThat(markdown.get(2)).as("medians of two rounds").startsWith("| kvstore | 1.0 | 200.0 |").contains("| 750 |");
    assertThat(markdown.get(3)).startsWith("| etcd | 1.0 | 75.0 |");
    // Round ratios of p99: 2x and 3x, median 2.5x; of server CPU: 2x and 3x.
    assertThat(markdown.get(4)).startsWith("| kvstore / etcd | 1.00x | 2.50x |").contains("| 2.50x | 1.00x |");
  }
}
