package dev.kvstore.comparison;

import com.google.protobuf.ByteString;
import dev.kvstore.bench.ClosedLoop;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.KvStoreOperations;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.LoadSpec;
import dev.kvstore.bench.Mix;
import dev.kvstore.bench.Operation;
import dev.kvstore.bench.OperationType;
import dev.kvstore.bench.FailureReason;
import dev.kvstore.bench.Latency;
import dev.kvstore.client.KvClient;
import dev.kvstore.comparison.ComparisonReport.Store;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures kvstore and etcd 3.4 side by side on this machine: starts a 3-member etcd cluster
 * (etcd's default settings, every commit fsynced) and a 3-node kvstore cluster
 * ({@code deploy/local-cluster.sh}), both on 127.0.0.1, writes every key once to each, then runs
 * each load on one and then the other, round after round (kvstore first in odd rounds, etcd first
 * in even ones), with the same load engine ({@link ClosedLoop}) and the same keys and values, and
 * prints a table of medians and kvstore / etcd ratios (text and Markdown). Started by
 * {@code deploy/bench-vs-etcd.sh}; stops both clusters and deletes its folder when it ends, fails
 * or is interrupted.
 */
@Command(
    name = "bench-vs-etcd",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the same closed-loop loads against kvstore and etcd 3.4, alternately, and prints"
        + " medians and kvstore/etcd ratios.")
public final class EtcdComparison implements Callable<Integer> {

  // How long requests still in flight when a run ends may take beyond the client's timeout.
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final int PREFILL_CONCURRENCY = 64;
  private static final long VALUE_SEED = 42;

  @Option(names = "--rounds", paramLabel = "N", description = "Rounds; each runs every load on both (default: 3).")
  int rounds = 3;

  // A JVM runs its code interpreted until the JIT has compiled the hot paths, which takes tens of
  // seconds of load: a first round measured from a fresh start put kvstore's single-client puts at
  // 10 ms where the next rounds saw 2 ms. Servers run warm; so does the comparison.
  @Option(names = "--warmup-rounds", paramLabel = "N",
      description = "Rounds run first and not reported, so both systems are measured warm (default: 1).")
  int warmupRounds = 1;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Measured time of each run, e.g. 20s (default: 20s).")
  Duration duration = Duration.ofSeconds(20);

  @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Unmeasured load before each run; 0 for none (default: 5s).")
  Duration warmup = Duration.ofSeconds(5);

  @Option(names = "--loads", paramLabel = "OP:N[,...]",
      description = "Loads to run: operation (put, get, get-serializable) and requests in flight"
          + " (default: " + ComparisonLoad.DEFAULT + ").")
  String loads = ComparisonLoad.DEFAULT;

  @Option(names = "--keys", paramLabel = "N", description = "Key space (default: 10000).")
  long keys = 10_000;

  @Option(names = "--value-size", paramLabel = "BYTES", description = "Size of each value (default: 256).")
  int valueSize = 256;

  @Option(names = "--key-prefix", paramLabel = "PREFIX", description = "Prefix of every key (default: bench/).")
  String keyPrefix = "bench/";

  /** Values of {@code --kvstore-client}. */
  static final String JAVA_CLIENT = "java";
  static final String ROUND_ROBIN = "round-robin";

  @Option(names = "--kvstore-client", paramLabel = "java|round-robin",
      description = "How the load reaches kvstore: java = kvstore's Java client (writes and linearizable reads"
          + " to the leader, serializable reads spread, failover); round-robin = plain gRPC calls, each to the"
          + " next member in turn, as a generic load generator sends them (default: java).")
  String kvstoreClient = JAVA_CLIENT;

  @Mixin
  ClusterOptions clusters = new ClusterOptions();

  @Spec
  CommandSpec spec;

  private final PrintStream out;
  private final HarnessResources resources = new HarnessResources();

  EtcdComparison(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.out).execute(args));
  }

  static CommandLine commandLine(PrintStream out) {
    CommandLine commandLine = new CommandLine(new EtcdComparison(out));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  /**
   * The loads, after checking every option.
   *
   * @throws ParameterException saying what is wrong and what is allowed
   */
  List<ComparisonLoad> checkedLoads() {
    if (rounds < 1 || keys < 1 || valueSize < 0 || warmupRounds < 0) {
      throw new ParameterException(spec.commandLine(),
          "--rounds and --keys must be at least 1, --value-size and --warmup-rounds at least 0");
    }
    if (duration.isZero()) {
      throw new ParameterException(spec.commandLine(), "--duration must be longer than zero");
    }
    if (!kvstoreClient.equals(JAVA_CLIENT) && !kvstoreClient.equals(ROUND_ROBIN)) {
      throw new ParameterException(spec.commandLine(),
          "--kvstore-client must be " + JAVA_CLIENT + " or " + ROUND_ROBIN + ", got '" + kvstoreClient + "'");
    }
    try {
      return ComparisonLoad.parseList(loads);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--loads: " + e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    List<ComparisonLoad> plan = checkedLoads();
    // Ctrl-C or a kill (not -9) still stops both clusters and deletes the folder.
    resources.runClosingOnShutdown("bench-vs-etcd-cleanup", () -> {
      ComparisonReport report = run(plan);
      print(report);
    });
    return 0;
  }

  private ComparisonReport run(List<ComparisonLoad> plan) throws Exception {
    Path work = clusters.workFolder(resources, "kvstore-vs-etcd-");
    out.printf(Locale.ROOT, "work folder %s; %d rounds (after %d not reported) of %s, each %s measured after %s of warm-up;"
            + " %d keys %s*, %d-byte values; kvstore through the %s client%n",
        work, rounds, warmupRounds, loads, DurationOption.text(duration), DurationOption.text(warmup), keys, keyPrefix,
        valueSize, kvstoreClient);

    EtcdCluster etcdCluster = resources.track(EtcdCluster.start(clusters.etcd, work.resolve("etcd"), clusters.etcdPortBase));
    LocalKvCluster kvCluster = resources.track(
        LocalKvCluster.start(clusters.repo.toAbsolutePath(), work.resolve("kvstore"), clusters.kvstoreClientPortBase,
            clusters.kvstoreRaftPortBase));

    KvClient kvClient = resources.track(KvClient.builder()
        .endpoints(kvCluster.endpoints())
        .requestTimeout(REQUEST_TIMEOUT)
        .build());
    kvClient.connect(Duration.ofSeconds(5));
    Client etcdClient = resources.track(Client.builder().endpoints(etcdCluster.endpoints().toArray(String[]::new)).build());

    KeySpace keySpace = new KeySpace(keyPrefix, keys);
    byte[] value = KeySpace.sampleValue(valueSize, VALUE_SEED);
    Map<Store, Function<OperationType, Operation>> operations = new EnumMap<>(Store.class);
    operations.put(Store.KVSTORE, kvstoreClient.equals(ROUND_ROBIN)
        ? resources.track(new RoundRobinKvOperations(kvCluster.endpoints(), keySpace, ByteString.copyFrom(value),
            REQUEST_TIMEOUT))
        : new KvStoreOperations(kvClient.async(), keySpace, ByteString.copyFrom(value)));
    operations.put(Store.ETCD, new EtcdOperations(etcdClient.getKVClient(), keySpace, value, REQUEST_TIMEOUT));
    Map<Store, ProcessCpu> servers = new EnumMap<>(Store.class);
    servers.put(Store.KVSTORE, new ProcessCpu(kvCluster.processes()));
    servers.put(Store.ETCD, new ProcessCpu(etcdCluster.processes()));
    ProcessCpu generator = ProcessCpu.self();
    Map<Store, Function<Throwable, String>> failureReasons = new EnumMap<>(Store.class);
    failureReasons.put(Store.KVSTORE, FailureReason::of);
    failureReasons.put(Store.ETCD, EtcdOperations.failureReason());

    if (plan.stream().anyMatch(load -> load.type() != OperationType.PUT)) {
      for (Store store : Store.values()) {
        LoadReport filled = run(new ClosedLoop(LoadSpec.everyKeyOnce(PREFILL_CONCURRENCY, keys),
            Mix.of(OperationType.PUT).bind(operations.get(store)), failureReasons.get(store), System::nanoTime));
        out.printf(Locale.ROOT, "prefill %-7s %d keys in %.1fs, %d failed%n",
            store.label, filled.succeeded(), filled.measured().toMillis() / 1000.0, filled.failed());
        if (filled.failed() > 0) {
          throw new IllegalStateException("prefill of " + store.label + " failed: " + filled.failures());
        }
      }
    }

    ComparisonReport report = new ComparisonReport();
    for (int round = 1 - warmupRounds; round <= rounds; round++) {
      List<Store> order = round % 2 == 1 ? List.of(Store.KVSTORE, Store.ETCD) : List.of(Store.ETCD, Store.KVSTORE);
      for (ComparisonLoad load : plan) {
        LoadSpec spec = LoadSpec.forDuration(load.concurrency(), keys, warmup, duration).withSeed(round + warmupRounds);
        for (Store store : order) {
          Duration serverBefore = servers.get(store).used();
          Duration generatorBefore = generator.used();
          LoadReport result = run(new ClosedLoop(spec, Mix.of(load.type()).bind(operations.get(store)),
              failureReasons.get(store), System::nanoTime));
          CpuCost cost = CpuCost.perRequest(servers.get(store).used().minus(serverBefore),
              generator.used().minus(generatorBefore), result.warmupRequests() + result.succeeded() + result.failed());
          if (round >= 1) {
            report.add(load, store, result, cost);
          }
          out.println(describe(round, load, store, result, cost));
        }
      }
    }
    return report;
  }

  private LoadReport run(ClosedLoop loop) throws InterruptedException {
    return resources.run(loop, REQUEST_TIMEOUT.plus(DRAIN_MARGIN), TICK, progress -> { });
  }

  private String describe(int round, ComparisonLoad load, Store store, LoadReport result, CpuCost cost) {
    String which = round >= 1 ? "round " + round + "/" + rounds : "warm-up " + (round + warmupRounds) + "/" + warmupRounds;
    return String.format(Locale.ROOT, "%-11s  %-31s %-7s %9.1f ops/s  p50 %7.2f ms  p99 %8.2f ms"
            + "  CPU/request: servers %6.1f µs, load generator %6.1f µs%s",
        which, load.label(), store.label, result.opsPerSecond(),
        Latency.millis(result.latency().p50()), Latency.millis(result.latency().p99()),
        cost.serverMicros(), cost.generatorMicros(),
        result.failed() == 0 ? "" : "  failed " + result.failures());
  }

  private void print(ComparisonReport report) throws IOException {
    out.println();
    out.println("Medians over " + rounds + " rounds; ratios are kvstore / etcd, the median of each round's pair"
        + " (ops/s: higher favours kvstore; latency: lower does):");
    report.plain().forEach(out::println);
    out.println();
    out.println("CPU time per request, µs (warm-up included), medians over rounds; ratios kvstore / etcd"
        + " (lower favours kvstore):");
    report.cpuPlain().forEach(out::println);
    out.println();
    out.println("Throughput of each round:");
    report.rounds().forEach(out::println);
    out.println();
    out.println("Markdown:");
    List<String> markdown = new ArrayList<>(report.markdown());
    markdown.add("");
    markdown.addAll(report.cpuMarkdown());
    markdown.forEach(out::println);
    clusters.writeMarkdown(markdown, out);
  }
}
