package dev.kvstore.cli;

import dev.kvstore.api.RequestLimits;
import dev.kvstore.bench.ClosedLoop;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.KvStoreOperations;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.LoadSpec;
import dev.kvstore.bench.Mix;
import dev.kvstore.bench.OperationType;
import dev.kvstore.bench.PutValues;
import dev.kvstore.bench.ValueKind;
import dev.kvstore.bench.WireBytes;
import dev.kvstore.client.KvClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore bench}: a closed-loop load (a fixed number of requests in flight, each answer
 * sending the next) through the asynchronous Java client, and a report of throughput and latency
 * percentiles per operation (HdrHistogram) and of failures by gRPC status. The load engine is
 * {@link ClosedLoop}, the same one the etcd comparison under deploy/ drives.
 */
@Command(
    name = "bench",
    description = {
        "Measures the cluster: keeps N requests in flight (each answer sends the next) for a"
            + " duration or a count, after a warm-up, and reports ops/s and latency percentiles"
            + " per operation, and failures by status.",
        "MIX is one operation (put, get = linearizable, get-serializable), weights such as"
            + " put=20,get=80 (each request picks by weight), or the preset mixed (put=50,get=50).",
        "Keys are KEY_PREFIX followed by a zero-padded number below --keys, picked at random;"
            + " a mix with reads first writes every key once (--no-prefill to skip).",
        "Values (--values): template = one value of letters and digits for every put, printable ="
            + " each put its own letters and digits, random = each put its own random bytes.",
        "The report also counts the gRPC message bytes of the load (warm-up included, prefill not)"
            + " sent and received, on the wire and uncompressed (see --compression).",
        "Progress goes to standard error, the report to standard output (-o json: one document)."})
final class BenchCommand implements Callable<Integer> {

  // Seeds the values puts write: the same bytes, in the same order, on every run.
  private static final long VALUE_SEED = 42;
  // How often the progress bar is updated and the run checked.
  private static final Duration TICK = Duration.ofMillis(200);
  // Beyond the request timeout, how long requests in flight at the end may take to answer.
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Option(names = "--mix", paramLabel = "MIX", description = "What to send (default: put).")
  private String mix = "put";

  @Option(names = "--concurrency", paramLabel = "N", description = "Requests in flight (default: 16).")
  private int concurrency = 16;

  @Option(names = "--keys", paramLabel = "N", description = "Size of the key space (default: 10000).")
  private long keys = 10_000;

  @Option(names = "--value-size", paramLabel = "BYTES", description = "Size of each value put (default: 256).")
  private int valueSize = 256;

  @Option(
      names = "--values",
      paramLabel = "KIND",
      description = "What values are made of: template, printable or random (default: template).")
  private String values = ValueKind.TEMPLATE.label();

  @Option(names = "--key-prefix", paramLabel = "PREFIX", description = "Prefix of every key (default: bench/).")
  private String keyPrefix = "bench/";

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      converter = DurationConverter.ZeroAllowed.class,
      description = "Load before measuring, not counted, e.g. 5s; 0 for none (default: 5s).")
  private Duration warmup = Duration.ofSeconds(5);

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to measure after the warm-up (default: 30s unless --count is given).")
  private Duration duration;

  @Option(names = "--count", paramLabel = "N", description = "Measure this many requests instead of a duration.")
  private Long count;

  @Option(
      names = "--prefill",
      negatable = true,
      description = "Write every key once before the load (default: on when the mix reads).")
  private Boolean prefill;

  private final CommandContext context;

  BenchCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    Mix chosen = parseMix();
    LoadSpec load = loadSpec();
    if (valueSize < 0 || valueSize > RequestLimits.MAX_VALUE_BYTES) {
      throw usage("--value-size must be 0 to " + RequestLimits.MAX_VALUE_BYTES + " bytes (1 MiB), got " + valueSize);
    }
    ValueKind kind = parseValues();
    KeySpace keySpace = new KeySpace(keyPrefix, keys);
    BenchSettings settings = new BenchSettings(chosen, load, keySpace, valueSize, kind);

    WireBytes wireBytes = new WireBytes();
    KvClient client = context.client(wireBytes);
    KvStoreOperations operations =
        new KvStoreOperations(client.async(), keySpace, PutValues.of(kind, valueSize, VALUE_SEED));
    context.err().println("bench: " + settings.describe() + " against " + String.join(",", client.endpoints()));

    LoadReport filled = null;
    if (prefill == null ? chosen.reads() : prefill) {
      LoadSpec everyKey = LoadSpec.everyKeyOnce(concurrency, keys);
      ClosedLoop fill = new ClosedLoop(everyKey, Mix.of(OperationType.PUT).bind(operations));
      filled = runWithProgress(fill, "prefill");
      if (filled.failed() > 0) {
        BenchReportView.print(context, settings, filled, null, null);
        context.err().println("error: prefill: " + filled.failed() + " of " + keys + " writes failed "
            + filled.failures() + "; the key space is incomplete, so no load was run");
        return exitCode(filled);
      }
    }
    WireBytes.Total beforeLoad = wireBytes.total();
    LoadReport report = runWithProgress(new ClosedLoop(load, chosen.bind(operations)), "bench");
    BenchReportView.print(context, settings, filled, report, wireBytes.total().minus(beforeLoad));
    return report.succeeded() > 0 ? ExitCodes.OK : exitCode(report);
  }

  private Mix parseMix() {
    try {
      return Mix.parse(mix);
    } catch (IllegalArgumentException e) {
      throw usage("--mix: " + e.getMessage());
    }
  }

  private ValueKind parseValues() {
    try {
      return ValueKind.of(values);
    } catch (IllegalArgumentException e) {
      throw usage("--values: " + e.getMessage());
    }
  }

  private LoadSpec loadSpec() {
    if (duration != null && count != null) {
      throw usage("--duration and --count exclude each other: measure for a time or for a number of requests");
    }
    if (concurrency < 1 || keys < 1 || (count != null && count < 1)) {
      throw usage("--concurrency, --keys and --count must be at least 1");
    }
    return count != null
        ? LoadSpec.forCount(concurrency, keys, warmup, count)
        : LoadSpec.forDuration(concurrency, keys, warmup, duration != null ? duration : Duration.ofSeconds(30));
  }

  /** Runs {@code loop} to its end with a progress bar per phase; requests are bounded by the client's timeout. */
  private LoadReport runWithProgress(ClosedLoop loop, String task) throws InterruptedException {
    LoadSpec load = loop.spec();
    try (PhaseBars bars = new PhaseBars(context, task, load.warmup(), load.duration(), load.count())) {
      return loop.start().await(context.timeout().plus(DRAIN_MARGIN), TICK, bars);
    }
  }

  private static int exitCode(LoadReport report) {
    return ExitCodes.ofFailureReasons(report.failures().keySet());
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
