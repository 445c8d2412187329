package dev.kvstore.comparison;

import dev.kvstore.bench.Latency;
import dev.kvstore.bench.WatchLatencyReport;
import dev.kvstore.comparison.ComparisonReport.Store;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The rounds of a watch-latency comparison and their summary: per system, the median over rounds
 * of delivery and put latencies (ms), puts/s, registration time and CPU per put; and the
 * kvstore / etcd ratio of each, the median of each round's pair (lower favours kvstore, except
 * puts/s).
 */
final class WatchComparisonReport {

  /**
   * One system's run in one round.
   *
   * @param report       what the run measured
   * @param cost         CPU time per put due (warm-up included), µs
   * @param registration time until every watcher was registered, in seconds
   */
  record Run(WatchLatencyReport report, CpuCost cost, double registration) {}

  private final Map<Store, List<Run>> runs = new EnumMap<>(Store.class);

  void add(Store store, Run run) {
    runs.computeIfAbsent(store, s -> new ArrayList<>()).add(run);
  }

  private record Column(String name, ToDoubleFunction<Run> value, String format) {}

  private static final List<Column> COLUMNS = List.of(
      new Column("delivery p50 ms", r -> Latency.millis(r.report().latency().p50()), "%.1f"),
      new Column("delivery p99 ms", r -> Latency.millis(r.report().latency().p99()), "%.1f"),
      new Column("delivery max ms", r -> Latency.millis(r.report().latency().max()), "%.1f"),
      new Column("put p50 ms", r -> Latency.millis(r.report().puts().latency().p50()), "%.1f"),
      new Column("put p99 ms", r -> Latency.millis(r.report().puts().latency().p99()), "%.1f"),
      new Column("puts/s", r -> r.report().puts().putsPerSecond(), "%.0f"),
      new Column("missed", r -> r.report().deliveries().missed(), "%.0f"),
      new Column("registering s", Run::registration, "%.1f"),
      new Column("servers µs/put", r -> r.cost().serverMicros(), "%.0f"),
      new Column("generator µs/put", r -> r.cost().generatorMicros(), "%.0f"));

  /** The summary as Markdown: a row per system, then the ratios. */
  List<String> markdown() {
    List<String> lines = new ArrayList<>();
    StringBuilder header = new StringBuilder("| system |");
    StringBuilder rule = new StringBuilder("|---|");
    for (Column column : COLUMNS) {
      header.append(' ').append(column.name()).append(" |");
      rule.append("---:|");
    }
    lines.add(header.toString());
    lines.add(rule.toString());
    for (Store store : Store.values()) {
      List<Run> of = runs.getOrDefault(store, List.of());
      if (of.isEmpty()) {
        continue;
      }
      StringBuilder row = new StringBuilder("| " + store.label + " |");
      for (Column column : COLUMNS) {
        row.append(' ').append(String.format(Locale.ROOT, column.format(), median(of, column.value()))).append(" |");
      }
      lines.add(row.toString());
    }
    List<Run> kv = runs.getOrDefault(Store.KVSTORE, List.of());
    List<Run> etcd = runs.getOrDefault(Store.ETCD, List.of());
    int pairs = Math.min(kv.size(), etcd.size());
    if (pairs > 0) {
      StringBuilder row = new StringBuilder("| kvstore / etcd |");
      for (Column column : COLUMNS) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
          double e = column.value().applyAsDouble(etcd.get(i));
          if (e > 0) {
            ratios.add(column.value().applyAsDouble(kv.get(i)) / e);
          }
        }
        row.append(ratios.isEmpty() ? " - |" : String.format(Locale.ROOT, " %.2fx |", ComparisonReport.median(ratios)));
      }
      lines.add(row.toString());
    }
    return lines;
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> value) {
    return ComparisonReport.median(runs.stream().map(value::applyAsDouble).toList());
  }
}
