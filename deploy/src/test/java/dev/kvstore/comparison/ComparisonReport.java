package dev.kvstore.comparison;

import dev.kvstore.bench.Latency;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.ReportTable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The results of a comparison, per load, store and round, and the tables that sum them up: for
 * each load the median over rounds of each store's throughput and p50/p99 latency, and the median
 * over rounds of the ratio kvstore / etcd of the two runs of the same round (paired, so that a
 * machine that slows down between rounds moves both sides of a ratio alike). A throughput ratio
 * above 1 and a latency ratio below 1 favour kvstore. A second table does the same for the CPU
 * time per request ({@link CpuCost}): servers, load generator, and both together.
 */
final class ComparisonReport {

  /** The systems compared. */
  enum Store {
    KVSTORE("kvstore"),
    ETCD("etcd");

    final String label;

    Store(String label) {
      this.label = label;
    }
  }

  private static final List<String> HEADER = List.of(
      "load",
      "kvstore ops/s", "etcd ops/s", "ops/s ratio",
      "kvstore p50 ms", "etcd p50 ms", "p50 ratio",
      "kvstore p99 ms", "etcd p99 ms", "p99 ratio",
      "failed k/e");

  private static final List<String> CPU_HEADER = List.of(
      "load",
      "kvstore servers µs", "etcd servers µs", "servers ratio",
      "kvstore generator µs", "etcd generator µs", "generator ratio",
      "kvstore total µs", "etcd total µs", "total ratio");

  /** One run: what the load generator saw, and what it cost in CPU time. */
  private record Run(LoadReport report, CpuCost cost) {
  }

  private final Map<ComparisonLoad, Map<Store, List<Run>>> results = new LinkedHashMap<>();

  /** Records the run of {@code load} on {@code store}, and its CPU cost, in the next round of that pair. */
  void add(ComparisonLoad load, Store store, LoadReport report, CpuCost cost) {
    results.computeIfAbsent(load, l -> new EnumMap<>(Store.class))
        .computeIfAbsent(store, s -> new ArrayList<>())
        .add(new Run(report, cost));
  }

  /** The summary as aligned text. */
  List<String> plain() {
    return table().plain();
  }

  /** The summary as a Markdown table, for docs/benchmarks.md. */
  List<String> markdown() {
    return table().markdown();
  }

  /** The CPU time per request as aligned text. */
  List<String> cpuPlain() {
    return cpuTable().plain();
  }

  /** The CPU time per request as a Markdown table. */
  List<String> cpuMarkdown() {
    return cpuTable().markdown();
  }

  /** Each run's throughput, round by round, to see how much the rounds agree. */
  List<String> rounds() {
    List<String> lines = new ArrayList<>();
    results.forEach((load, byStore) -> {
      StringBuilder line = new StringBuilder(load.label()).append(':');
      for (Store store : Store.values()) {
        String values = runs(byStore, store).stream()
            .map(run -> String.format(Locale.ROOT, "%.0f", run.report().opsPerSecond()))
            .collect(Collectors.joining(", "));
        line.append(' ').append(store.label).append(' ').append(values.isEmpty() ? "-" : values).append(" ops/s;");
      }
      lines.add(line.substring(0, line.length() - 1));
    });
    return lines;
  }

  private ReportTable table() {
    ReportTable table = new ReportTable(HEADER);
    ToDoubleFunction<Run> opsPerSecond = run -> run.report().opsPerSecond();
    results.forEach((load, byStore) -> {
      List<Run> kv = runs(byStore, Store.KVSTORE);
      List<Run> etcd = runs(byStore, Store.ETCD);
      table.row(List.of(
          load.label(),
          rate(median(kv, opsPerSecond)), rate(median(etcd, opsPerSecond)), ratio(kv, etcd, opsPerSecond),
          millis(median(kv, p50())), millis(median(etcd, p50())), ratio(kv, etcd, p50()),
          millis(median(kv, p99())), millis(median(etcd, p99())), ratio(kv, etcd, p99()),
          failed(kv) + "/" + failed(etcd)));
    });
    return table;
  }

  private ReportTable cpuTable() {
    ReportTable table = new ReportTable(CPU_HEADER);
    ToDoubleFunction<Run> servers = run -> run.cost().serverMicros();
    ToDoubleFunction<Run> generator = run -> run.cost().generatorMicros();
    ToDoubleFunction<Run> total = run -> run.cost().serverMicros() + run.cost().generatorMicros();
    results.forEach((load, byStore) -> {
      List<Run> kv = runs(byStore, Store.KVSTORE);
      List<Run> etcd = runs(byStore, Store.ETCD);
      List<String> row = new ArrayList<>(List.of(load.label()));
      for (ToDoubleFunction<Run> metric : List.of(servers, generator, total)) {
        row.addAll(List.of(micros(median(kv, metric)), micros(median(etcd, metric)), ratio(kv, etcd, metric)));
      }
      table.row(row);
    });
    return table;
  }

  private static List<Run> runs(Map<Store, List<Run>> byStore, Store store) {
    return byStore.getOrDefault(store, List.of());
  }

  private static ToDoubleFunction<Run> p50() {
    return run -> Latency.millis(run.report().latency().p50());
  }

  private static ToDoubleFunction<Run> p99() {
    return run -> Latency.millis(run.report().latency().p99());
  }

  private static long failed(List<Run> runs) {
    return runs.stream().mapToLong(run -> run.report().failed()).sum();
  }

  /** The median of the per-round ratios kvstore / etcd, over the rounds both ran with a non-zero etcd value. */
  private static String ratio(List<Run> kv, List<Run> etcd, ToDoubleFunction<Run> metric) {
    List<Double> ratios = new ArrayList<>();
    for (int round = 0; round < Math.min(kv.size(), etcd.size()); round++) {
      double denominator = metric.applyAsDouble(etcd.get(round));
      if (denominator > 0) {
        ratios.add(metric.applyAsDouble(kv.get(round)) / denominator);
      }
    }
    return ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2fx", median(ratios));
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> metric) {
    return runs.isEmpty() ? Double.NaN : median(runs.stream().map(metric::applyAsDouble).toList());
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  private static String rate(double opsPerSecond) {
    return Double.isNaN(opsPerSecond) ? "-" : String.format(Locale.ROOT, "%,.0f", opsPerSecond);
  }

  private static String millis(double millis) {
    return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.1f", millis);
  }

  private static String micros(double micros) {
    return Double.isNaN(micros) ? "-" : String.format(Locale.ROOT, "%,.0f", micros);
  }
}
