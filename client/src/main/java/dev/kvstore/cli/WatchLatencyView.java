package dev.kvstore.cli;

import static dev.kvstore.cli.BenchReportView.millis;

import com.google.gson.JsonObject;
import dev.kvstore.bench.DeliveryCheck;
import dev.kvstore.bench.Latency;
import dev.kvstore.bench.PacedPuts;
import dev.kvstore.bench.ReportTable;
import dev.kvstore.bench.WatchLatencyReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code kvstore bench watch-latency} prints its results: a table of delivery and put latency
 * and lines of counts, or, with {@code -o json}, one document with snake_case names, rates per
 * second and latencies in milliseconds.
 */
final class WatchLatencyView {

  private static final List<String> HEADER =
      List.of("latency", "per s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "count");

  private WatchLatencyView() {}

  static void print(CommandContext context, WatchLatencySettings settings, WatchLatencyReport report) {
    if (context.format() == OutputFormat.JSON) {
      context.printer().json(json(settings, report));
    } else {
      plain(settings, report).forEach(context.printer()::line);
    }
  }

  static List<String> plain(WatchLatencySettings settings, WatchLatencyReport report) {
    PacedPuts.Result puts = report.puts();
    DeliveryCheck deliveries = report.deliveries();
    List<String> lines = new ArrayList<>();
    lines.add(settings.describe());
    ReportTable table = new ReportTable(HEADER)
        .row(row("delivery", report.eventsPerSecond(), report.latency(), deliveries.delivered()))
        .row(row("put", puts.putsPerSecond(), puts.latency(), puts.succeeded()));
    lines.addAll(table.plain());
    lines.add(String.format(Locale.ROOT,
        "events: %d delivered of %d expected, %d missed, %d duplicated, %d for puts without an answer%s",
        deliveries.delivered(), deliveries.expected(), deliveries.missed(), deliveries.duplicates(),
        deliveries.unacknowledged(),
        report.foreignEvents() == 0 ? "" : ", " + report.foreignEvents() + " without a send time (not ours)"));
    lines.add(String.format(Locale.ROOT,
        "puts: %d due, %d succeeded (%.1f/s of %d/s asked), %d skipped (too many in flight), %d failed%s;"
            + " latest send %.1f ms behind schedule",
        puts.due(), puts.succeeded(), puts.putsPerSecond(), settings.rate(), puts.skipped(), puts.failed(),
        failures(puts.failures()), puts.maxLag().toNanos() / 1e6));
    lines.add(String.format(Locale.ROOT, "measured %.1fs; %d watchers ended during the run",
        puts.measured().toMillis() / 1000.0, report.watchersEnded()));
    return lines;
  }

  private static List<String> row(String name, double perSecond, Latency latency, long count) {
    return List.of(name, String.format(Locale.ROOT, "%.1f", perSecond),
        millis(latency.p50()), millis(latency.p90()), millis(latency.p99()), millis(latency.p999()),
        millis(latency.max()), Long.toString(count));
  }

  private static String failures(Map<String, Long> failures) {
    return failures.isEmpty() ? "" : " (" + BenchReportView.listed(failures) + ")";
  }

  static JsonObject json(WatchLatencySettings settings, WatchLatencyReport report) {
    PacedPuts.Result puts = report.puts();
    DeliveryCheck deliveries = report.deliveries();
    JsonObject json = new JsonObject();
    json.addProperty("watchers", settings.layout().watchers());
    json.addProperty("watchers_per_key", settings.layout().watchersPerKey());
    json.addProperty("keys", settings.layout().keys());
    json.addProperty("key_prefix", settings.layout().keyPrefix());
    json.addProperty("prefix_watches", settings.layout().prefixWatches());
    json.addProperty("rate", settings.rate());
    json.addProperty("value_size", settings.valueSize());
    json.addProperty("warmup_seconds", settings.warmup().toMillis() / 1000.0);
    json.addProperty("duration_seconds", settings.duration().toMillis() / 1000.0);
    json.addProperty("measured_seconds", puts.measured().toMillis() / 1000.0);

    JsonObject events = new JsonObject();
    events.addProperty("per_second", round(report.eventsPerSecond()));
    events.addProperty("expected", deliveries.expected());
    events.addProperty("delivered", deliveries.delivered());
    events.addProperty("missed", deliveries.missed());
    events.addProperty("duplicates", deliveries.duplicates());
    events.addProperty("unacknowledged", deliveries.unacknowledged());
    events.addProperty("foreign", report.foreignEvents());
    events.add("latency_ms", BenchReportView.latency(report.latency()));
    json.add("events", events);

    JsonObject put = new JsonObject();
    put.addProperty("per_second", round(puts.putsPerSecond()));
    put.addProperty("due", puts.due());
    put.addProperty("succeeded", puts.succeeded());
    put.addProperty("skipped", puts.skipped());
    put.addProperty("failed", puts.failed());
    put.add("failures", BenchReportView.counts(puts.failures()));
    put.addProperty("max_lag_ms", puts.maxLag().toNanos() / 1e6);
    put.add("latency_ms", BenchReportView.latency(puts.latency()));
    json.add("puts", put);

    json.addProperty("watchers_ended", report.watchersEnded());
    json.addProperty("complete", report.complete());
    return json;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
