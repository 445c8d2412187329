package dev.kvstore.comparison;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.bench.Latency;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.OperationResult;
import dev.kvstore.bench.OperationType;
import dev.kvstore.comparison.ComparisonReport.Store;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComparisonReportTest {

  private static final ComparisonLoad PUT_64 = new ComparisonLoad(OperationType.PUT, 64);
  private static final ComparisonLoad GET_1 = new ComparisonLoad(OperationType.GET_SERIALIZABLE, 1);
  private static final CpuCost CPU = new CpuCost(100, 200);

  /** A run of {@code opsPerSecond} whose p50 and p99 are {@code p50Millis} and {@code p99Millis}. */
  private static LoadReport run(double opsPerSecond, long p50Millis, long p99Millis, long failed) {
    Latency latency = new Latency(p50Millis * 1000, 0, p99Millis * 1000, 0, 0, 0);
    Map<String, Long> failures = failed == 0 ? Map.of() : Map.of("UNAVAILABLE", failed);
    OperationResult result = new OperationResult("put", 1000, failures, opsPerSecond, latency);
    return new LoadReport(Duration.ofSeconds(20), List.of(result), 0, latency);
  }

  @Test
  void mediansPerStoreAndTheMedianOfEachRoundsRatio() {
    ComparisonReport report = new ComparisonReport();
    // Three rounds; kvstore / etcd throughput ratios per round: 0.5, 0.6, 2.0 -> median 0.6.
    report.add(PUT_64, Store.KVSTORE, run(100, 10, 40, 0), CPU);
    report.add(PUT_64, Store.ETCD, run(200, 5, 20, 0), CPU);
    report.add(PUT_64, Store.KVSTORE, run(120, 12, 30, 1), CPU);
    report.add(PUT_64, Store.ETCD, run(200, 4, 20, 0), CPU);
    report.add(PUT_64, Store.KVSTORE, run(1000, 2, 10, 0), CPU);
    report.add(PUT_64, Store.ETCD, run(500, 4, 40, 2), CPU);

    List<String> markdown = report.markdown();

    assertThat(markdown.get(0)).isEqualTo("| load | kvstore ops/s | etcd ops/s | ops/s ratio | kvstore p50 ms | etcd p50 ms"
        + " | p50 ratio | kvstore p99 ms | etcd p99 ms | p99 ratio | failed k/e |");
    assertThat(markdown.get(1)).isEqualTo("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // p50 ratios 2.0, 3.0, 0.5 -> 2.00x; p99 ratios 2.0, 1.5, 0.25 -> 1.50x.
    assertThat(markdown.get(2))
        .isEqualTo("| put, 64 in flight | 120 | 200 | 0.60x | 10.0 | 4.0 | 2.00x | 30.0 | 20.0 | 1.50x | 1/2 |");
    assertThat(report.rounds()).containsExactly("put, 64 in flight: kvstore 100, 120, 1000 ops/s; etcd 200, 200, 500 ops/s");
  }

  @Test
  void theTextTableAlignsColumnsAndShowsMissingSidesAsDashes() {
    ComparisonReport report = new ComparisonReport();
    report.add(PUT_64, Store.KVSTORE, run(1234.4, 1, 2, 0), CPU);
    report.add(PUT_64, Store.ETCD, run(2000, 1, 4, 0), CPU);
    report.add(GET_1, Store.KVSTORE, run(50, 3, 9, 0), CPU);

    List<String> plain = report.plain();

    assertThat(plain).hasSize(3);
    assertThat(plain.get(0)).startsWith("load  ").contains("kvstore ops/s  etcd ops/s  ops/s ratio");
    assertThat(plain.get(1)).startsWith("put, 64 in flight  ").contains("1,234").contains("2,000").contains("0.62x");
    assertThat(plain.get(2)).startsWith("serializable get, 1 in flight").matches(".* 50 +- +- .*");
    assertThat(plain.get(1).indexOf("0.62x") + 5).isEqualTo(plain.get(0).indexOf("ops/s ratio") + 11);
  }

  @Test
  void cpuTimePerRequestHasItsOwnTableOfMediansAndPairedRatios() {
    ComparisonReport report = new ComparisonReport();
    // Servers: kvstore 50, 80, 90 µs against etcd 100 each -> ratios 0.5, 0.8, 0.9 -> 0.80x.
    // Generator: kvstore 300, 200, 250 against etcd 100, 100, 200 -> 3.0, 2.0, 1.25 -> 2.00x.
    report.add(PUT_64, Store.KVSTORE, run(1, 1, 1, 0), new CpuCost(50, 300));
    report.add(PUT_64, Store.ETCD, run(1, 1, 1, 0), new CpuCost(100, 100));
    report.add(PUT_64, Store.KVSTORE, run(1, 1, 1, 0), new CpuCost(80, 200));
    report.add(PUT_64, Store.ETCD, run(1, 1, 1, 0), new CpuCost(100, 100));
    report.add(PUT_64, Store.KVSTORE, run(1, 1, 1, 0), new CpuCost(90, 250));
    report.add(PUT_64, Store.ETCD, run(1, 1, 1, 0), new CpuCost(100, 200));

    List<String> markdown = report.cpuMarkdown();

    assertThat(markdown.get(0)).isEqualTo("| load | kvstore servers µs | etcd servers µs | servers ratio"
        + " | kvstore generator µs | etcd generator µs | generator ratio | kvstore total µs | etcd total µs | total ratio |");
    // Totals: kvstore 350, 280, 340 against etcd 200, 200, 300 -> 1.75, 1.4, 1.13 -> 1.40x.
    assertThat(markdown.get(2))
        .isEqualTo("| put, 64 in flight | 80 | 100 | 0.80x | 250 | 100 | 2.00x | 340 | 200 | 1.40x |");
  }

  @Test
  void aCostNeedsRequests() {
    assertThat(CpuCost.perRequest(Duration.ofMillis(30), Duration.ofMillis(60), 1000))
        .isEqualTo(new CpuCost(30, 60));
    assertThatThrownBy(() -> CpuCost.perRequest(Duration.ZERO, Duration.ZERO, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 requests");
  }

  @Test
  void theCpuTimeOfThisProcessGrowsWithWork() {
    ProcessCpu self = ProcessCpu.self();
    Duration before = self.used();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    long spin = 0;
    while (self.used().compareTo(before.plusMillis(50)) < 0 && System.nanoTime() < deadline) {
      spin += Long.numberOfTrailingZeros(System.nanoTime());
    }
    assertThat(self.used()).as("after spinning (%d)", spin).isGreaterThanOrEqualTo(before.plusMillis(50));
    assertThatThrownBy(() -> new ProcessCpu(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwo() {
    assertThat(ComparisonReport.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(ComparisonReport.median(List.of(7.0))).isEqualTo(7.0);
  }
}
