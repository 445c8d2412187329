package dev.kvstore.cli;

import dev.kvstore.api.RequestLimits;
import dev.kvstore.bench.DeliveryLog;
import dev.kvstore.bench.KvStoreWatchers;
import dev.kvstore.bench.PacedPuts;
import dev.kvstore.bench.StampedValue;
import dev.kvstore.bench.WatchLatencyReport;
import dev.kvstore.bench.WatchLayout;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore bench watch-latency}: how long a change takes to reach its watchers while many
 * watch, as etcd's {@code benchmark watch-latency}. Opens W watchers (one watch stream each) on the
 * nodes given, then puts at a fixed rate (open loop) to random watched keys, each value stamped
 * with its send time; every watcher that receives the change records the delivery latency. It
 * reports events delivered per second, delivery latency percentiles, puts per second achieved,
 * and checks that every watcher got every acknowledged change of its key once.
 */
@Command(
    name = "watch-latency",
    description = {
        "Measures watch delivery: opens --watchers watchers (one stream each) spread over"
            + " --watch-endpoints, then puts --rate changes per second (open loop) to random watched"
            + " keys for --duration after --warmup; each value carries its send time, and every"
            + " watcher that receives the change records how long it took.",
        "Watcher i follows key number i / --watchers-per-key of KEY_PREFIX, so each put reaches"
            + " exactly --watchers-per-key watchers (with --prefix, each follows the prefix KEY/ and"
            + " puts go to KEY/v).",
        "Reports events/s delivered, delivery latency p50/p90/p99/p99.9/max, puts/s achieved, and"
            + " missed events: every watcher must get every acknowledged change of its key, once."})
final class WatchLatencyCommand implements Callable<Integer> {

  private static final long VALUE_SEED = 42;
  private static final long KEY_SEED = 7;
  private static final Duration TICK = Duration.ofMillis(200);
  // Beyond the request timeout, how long answers and events still due at the end may take.
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Option(names = "--watchers", paramLabel = "N", description = "Watchers to open (default: 10000).")
  private int watchers = 10_000;

  @Option(
      names = "--watchers-per-key",
      paramLabel = "N",
      description = "Watchers of each key, so the fan-out of each put; divides --watchers (default: 1).")
  private int watchersPerKey = 1;

  @Option(names = "--prefix", description = "Each watcher follows the prefix KEY/ instead of the key.")
  private boolean prefix;

  @Option(names = "--rate", paramLabel = "PUTS", description = "Puts per second, whatever the answers (default: 1000).")
  private int rate = 1_000;

  @Option(
      names = "--value-size",
      paramLabel = "BYTES",
      description = "Size of each value put, its 8-byte send time included (default: 256).")
  private int valueSize = 256;

  @Option(names = "--key-prefix", paramLabel = "PREFIX", description = "Prefix of every key (default: bench/watch/).")
  private String keyPrefix = "bench/watch/";

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      converter = DurationConverter.ZeroAllowed.class,
      description = "Puts before measuring, not counted, e.g. 5s; 0 for none (default: 5s).")
  private Duration warmup = Duration.ofSeconds(5);

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to measure after the warm-up (default: 30s).")
  private Duration duration = Duration.ofSeconds(30);

  @Option(
      names = "--watch-endpoints",
      paramLabel = "HOST:PORT[,...]",
      description = "Nodes the watchers use, spread round-robin, each watcher staying on its node"
          + " (default: the --endpoints). Puts go through --endpoints.")
  private String watchEndpoints;

  @Option(
      names = "--connections",
      paramLabel = "N",
      description = "Connections to each watch endpoint; watchers are spread over them (default: 1).")
  private int connections = 1;

  @Option(
      names = "--max-in-flight",
      paramLabel = "N",
      description = "Unanswered puts allowed at a time; a put due beyond that is skipped and counted (default: 10000).")
  private int maxInFlight = 10_000;

  @Option(
      names = "--register-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long every watcher may take to be registered before the run gives up (default: 60s).")
  private Duration registerTimeout = Duration.ofSeconds(60);

  private final CommandContext context;

  WatchLatencyCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    WatchLayout layout = layout();
    if (rate < 1 || connections < 1 || maxInFlight < 1) {
      throw usage("--rate, --connections and --max-in-flight must be at least 1");
    }
    if (valueSize < StampedValue.STAMP_BYTES || valueSize > RequestLimits.MAX_VALUE_BYTES) {
      throw usage("--value-size must be " + StampedValue.STAMP_BYTES + " (the send time) to "
          + RequestLimits.MAX_VALUE_BYTES + " bytes (1 MiB), got " + valueSize);
    }
    KvClient puts = context.client();
    List<String> watchNodes = watchEndpoints != null
        ? Arrays.stream(watchEndpoints.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
        : puts.endpoints();
    if (watchNodes.isEmpty()) {
      throw usage("--watch-endpoints names no endpoint");
    }
    WatchLatencySettings settings = new WatchLatencySettings(layout, rate, valueSize, warmup, duration);
    List<KvClient> watchClients = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        for (String node : watchNodes) {
          watchClients.add(context.newClient(node));
        }
      }
      context.err().println("bench watch-latency: " + settings.describe() + "; watchers on "
          + String.join(",", watchNodes) + " (" + connections + " connection(s) each), puts through "
          + String.join(",", puts.endpoints()));
      return measure(settings, puts, watchClients);
    } finally {
      watchClients.forEach(KvClient::close);
    }
  }

  private WatchLayout layout() {
    try {
      return new WatchLayout(keyPrefix, watchers, watchersPerKey, prefix);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private int measure(WatchLatencySettings settings, KvClient puts, List<KvClient> watchClients)
      throws InterruptedException {
    WatchLayout layout = settings.layout();
    DeliveryLog log = new DeliveryLog(layout);
    try (KvStoreWatchers watching = new KvStoreWatchers(layout, watchClients, log)) {
      long opening = System.nanoTime();
      watching.open();
      Integer refused = awaitRegistered(watching, layout.watchers(), opening);
      if (refused != null) {
        return refused;
      }
      // The schedule starts once every watcher is registered: registration is not measured.
      long start = System.nanoTime();
      long measureFrom = start + warmup.toNanos();
      log.measure(measureFrom, measureFrom + duration.toNanos());
      Duration grace = context.timeout().plus(DRAIN_MARGIN);
      PacedPuts writer = new PacedPuts(layout, rate, maxInFlight, new StampedValue(valueSize, VALUE_SEED),
          (key, value) -> puts.async().put(key, value).thenApply(answer -> answer.getHeader().getRevision()),
          log, KEY_SEED);
      PacedPuts.Result written;
      try (PhaseBars bars = new PhaseBars(context, "watch-latency", warmup, duration, 0)) {
        written = writer.run(start, grace, TICK, bars);
      }
      log.awaitAcknowledgedDelivered(grace, TICK);
      WatchLatencyReport report =
          new WatchLatencyReport(written, log.check(), log.latency(), watching.ended(), watching.foreign());
      WatchLatencyView.print(context, settings, report);
      return exitCode(report, watching);
    }
  }

  /**
   * Null once every watcher is registered; otherwise, after saying why not, the exit code. The
   * register timeout counts from {@code started}, when the first watcher was opened.
   */
  private Integer awaitRegistered(KvStoreWatchers watching, int total, long started) throws InterruptedException {
    long deadline = started + registerTimeout.toNanos();
    int registered;
    try (ProgressBar bar = ProgressBars.open(context, "watchers", total, " registered", 1)) {
      while (true) {
        registered = watching.registered();
        bar.stepTo(registered);
        if (registered + watching.ended() >= total || System.nanoTime() - deadline >= 0) {
          break;
        }
        pause();
      }
    }
    if (watching.ended() > 0) {
      KvClientException first = watching.firstError().orElseThrow();
      context.err().println("error: " + watching.ended() + " of " + total + " watchers were refused, the first with: "
          + first.getMessage());
      return ExitCodes.of(first);
    }
    if (registered < total) {
      context.err().println(String.format(Locale.ROOT, "error: only %d of %d watchers were registered within %s:"
          + " a node refused watch streams or could not keep up; give it longer (--register-timeout), or"
          + " spread the watchers (--connections, --watch-endpoints)",
          registered, total, BenchSettings.seconds(registerTimeout)));
      return registered == 0 ? ExitCodes.UNAVAILABLE : ExitCodes.ERROR;
    }
    context.err().println(String.format(Locale.ROOT, "bench watch-latency: %d watchers registered in %.1fs",
        total, (System.nanoTime() - started) / 1e9));
    return null;
  }

  private static void pause() throws InterruptedException {
    Thread.sleep(TICK.toMillis());
  }

  private int exitCode(WatchLatencyReport report, KvStoreWatchers watching) {
    PacedPuts.Result puts = report.puts();
    if (puts.succeeded() == 0) {
      context.err().println("error: no put succeeded" + (puts.failures().isEmpty() ? "" : ": " + puts.failures()));
      return ExitCodes.ofFailureReasons(puts.failures().keySet());
    }
    if (!report.complete()) {
      context.err().println(String.format(Locale.ROOT,
          "error: watchers did not get every change once: %d missed, %d duplicated, %d watchers ended%s",
          report.deliveries().missed(), report.deliveries().duplicates(), report.watchersEnded(),
          watching.firstError().map(e -> " (the first with: " + e.getMessage() + ")").orElse("")));
      return ExitCodes.ERROR;
    }
    return ExitCodes.OK;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
