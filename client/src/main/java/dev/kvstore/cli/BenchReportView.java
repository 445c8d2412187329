package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.bench.Latency;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.OperationResult;
import dev.kvstore.bench.ReportTable;
import dev.kvstore.bench.WireBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How {@code kvstore bench} prints its results: an aligned table per operation (and in total), or,
 * with {@code -o json}, one document with snake_case names, rates in operations per second,
 * latencies in milliseconds and sizes in bytes. Then the gRPC message bytes of the load (warm-up
 * included) each way, on the wire and uncompressed (see {@link WireBytes}).
 */
final class BenchReportView {

  private static final List<String> HEADER =
      List.of("operation", "ops/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "ok", "failed");

  private static final List<String> WIRE_HEADER = List.of("message bytes", "sent", "received", "total");

  private BenchReportView() {}

  /**
   * Prints the run's results.
   *
   * @param prefill the report of writing every key first, or null when there was none
   * @param load the report of the load, or null when it did not run (prefill failed)
   * @param wire the message bytes of the load, warm-up included, or null when it did not run
   */
  static void print(CommandContext context, BenchSettings settings, LoadReport prefill, LoadReport load,
      WireBytes.Total wire) {
    if (context.format() == OutputFormat.JSON) {
      context.printer().json(json(settings, prefill, load, wire));
    } else {
      plain(settings, prefill, load, wire).forEach(context.printer()::line);
    }
  }

  static List<String> plain(BenchSettings settings, LoadReport prefill, LoadReport load, WireBytes.Total wire) {
    List<String> lines = new ArrayList<>();
    lines.add(settings.describe());
    if (prefill != null) {
      lines.add(String.format(Locale.ROOT, "prefill: %d keys written in %.1fs (%.0f ops/s), %d failed%s",
          prefill.succeeded(), prefill.measured().toMillis() / 1000.0, prefill.opsPerSecond(), prefill.failed(),
          failures(prefill.failures())));
    }
    if (load == null) {
      return lines;
    }
    ReportTable table = new ReportTable(HEADER);
    load.operations().forEach(result -> table.row(row(result.name(), result.opsPerSecond(), result.latency(),
        result.succeeded(), result.failed())));
    if (load.operations().size() > 1) {
      table.row(row("all", load.opsPerSecond(), load.latency(), load.succeeded(), load.failed()));
    }
    lines.addAll(table.plain());
    lines.add(String.format(Locale.ROOT, "measured %.1fs (%d warm-up requests not counted)%s",
        load.measured().toMillis() / 1000.0, load.warmupRequests(), failures(load.failures())));
    if (wire != null) {
      lines.addAll(wireTable(wire, requests(load)));
    }
    return lines;
  }

  /** Every request the load sent and saw answered or failed, the warm-up's included: what {@code wire} covers. */
  private static long requests(LoadReport load) {
    return load.warmupRequests() + load.succeeded() + load.failed();
  }

  private static List<String> wireTable(WireBytes.Total wire, long requests) {
    ReportTable table = new ReportTable(WIRE_HEADER);
    table.row(List.of("on the wire", Long.toString(wire.sent()), Long.toString(wire.received()),
        Long.toString(wire.wire())));
    table.row(List.of("uncompressed", Long.toString(wire.sentUncompressed()), Long.toString(wire.receivedUncompressed()),
        Long.toString(wire.uncompressed())));
    table.row(List.of("wire/uncompressed", ratio(wire.sentRatio()), ratio(wire.receivedRatio()), ratio(wire.ratio())));
    table.row(List.of("wire per request", perRequest(wire.sent(), requests), perRequest(wire.received(), requests),
        perRequest(wire.wire(), requests)));
    List<String> lines = new ArrayList<>(table.plain());
    lines.add("message bytes: gRPC message payloads of the load's " + requests
        + " requests (warm-up included), without gRPC, HTTP/2 and TCP framing");
    return lines;
  }

  private static String ratio(double ratio) {
    return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.3f", ratio);
  }

  private static String perRequest(long bytes, long requests) {
    return requests == 0 ? "-" : String.format(Locale.ROOT, "%.1f", (double) bytes / requests);
  }

  private static List<String> row(String name, double opsPerSecond, Latency latency, long ok, long failed) {
    return List.of(name, String.format(Locale.ROOT, "%.1f", opsPerSecond),
        millis(latency.p50()), millis(latency.p90()), millis(latency.p99()), millis(latency.p999()),
        millis(latency.max()), Long.toString(ok), Long.toString(failed));
  }

  /** {@code micros} as milliseconds with two decimals, as the tables show latency. */
  static String millis(long micros) {
    return String.format(Locale.ROOT, "%.2f", Latency.millis(micros));
  }

  private static String failures(Map<String, Long> failures) {
    return failures.isEmpty() ? "" : "; failures: " + listed(failures);
  }

  /** Counts by reason in the map's order, e.g. "UNAVAILABLE 3, NO_ANSWER 1". */
  static String listed(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .map(entry -> entry.getKey() + " " + entry.getValue())
        .collect(Collectors.joining(", "));
  }

  static JsonObject json(BenchSettings settings, LoadReport prefill, LoadReport load, WireBytes.Total wire) {
    JsonObject json = new JsonObject();
    json.addProperty("mix", settings.mix().toString());
    json.addProperty("concurrency", settings.load().concurrency());
    json.addProperty("keys", settings.keys().size());
    json.addProperty("key_prefix", settings.keys().prefix());
    json.addProperty("value_size", settings.valueSize());
    json.addProperty("values", settings.values().label());
    json.addProperty("warmup_seconds", settings.load().warmup().toMillis() / 1000.0);
    if (settings.load().duration() != null) {
      json.addProperty("duration_seconds", settings.load().duration().toMillis() / 1000.0);
    } else {
      json.addProperty("count", settings.load().count());
    }
    if (prefill != null) {
      JsonObject filled = new JsonObject();
      filled.addProperty("seconds", prefill.measured().toMillis() / 1000.0);
      filled.addProperty("succeeded", prefill.succeeded());
      filled.addProperty("failed", prefill.failed());
      filled.add("failures", counts(prefill.failures()));
      json.add("prefill", filled);
    }
    if (load != null) {
      json.addProperty("measured_seconds", load.measured().toMillis() / 1000.0);
      json.addProperty("warmup_requests", load.warmupRequests());
      json.addProperty("ops_per_second", round(load.opsPerSecond()));
      json.addProperty("succeeded", load.succeeded());
      json.addProperty("failed", load.failed());
      json.add("failures", counts(load.failures()));
      json.add("latency_ms", latency(load.latency()));
      JsonArray operations = new JsonArray();
      for (OperationResult result : load.operations()) {
        JsonObject operation = new JsonObject();
        operation.addProperty("name", result.name());
        operation.addProperty("ops_per_second", round(result.opsPerSecond()));
        operation.addProperty("succeeded", result.succeeded());
        operation.addProperty("failed", result.failed());
        operation.add("failures", counts(new TreeMap<>(result.failures())));
        operation.add("latency_ms", latency(result.latency()));
        operations.add(operation);
      }
      json.add("operations", operations);
      if (wire != null) {
        json.add("wire_bytes", wireBytes(wire, requests(load)));
      }
    }
    return json;
  }

  /** The load's message bytes: totals in bytes, ratios wire/uncompressed, per request in bytes. */
  static JsonObject wireBytes(WireBytes.Total wire, long requests) {
    JsonObject json = new JsonObject();
    json.addProperty("requests", requests);
    json.addProperty("sent", wire.sent());
    json.addProperty("sent_uncompressed", wire.sentUncompressed());
    json.addProperty("received", wire.received());
    json.addProperty("received_uncompressed", wire.receivedUncompressed());
    json.addProperty("sent_ratio", finite(wire.sentRatio(), 4));
    json.addProperty("received_ratio", finite(wire.receivedRatio(), 4));
    json.addProperty("ratio", finite(wire.ratio(), 4));
    json.addProperty("per_request", requests == 0 ? null : finite((double) wire.wire() / requests, 1));
    json.addProperty("uncompressed_per_request",
        requests == 0 ? null : finite((double) wire.uncompressed() / requests, 1));
    return json;
  }

  /** {@code value} rounded to {@code decimals}, or null (JSON null) when it is not a number. */
  private static Double finite(double value, int decimals) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return null;
    }
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  static JsonObject latency(Latency latency) {
    JsonObject json = new JsonObject();
    json.addProperty("p50", Latency.millis(latency.p50()));
    json.addProperty("p90", Latency.millis(latency.p90()));
    json.addProperty("p99", Latency.millis(latency.p99()));
    json.addProperty("p99_9", Latency.millis(latency.p999()));
    json.addProperty("max", Latency.millis(latency.max()));
    json.addProperty("mean", Math.round(latency.mean()) / 1000.0);
    return json;
  }

  static JsonObject counts(Map<String, Long> counts) {
    JsonObject json = new JsonObject();
    counts.forEach(json::addProperty);
    return json;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
