package dev.kvstore.comparison;

import com.google.protobuf.ByteString;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.bench.DeliveryLog;
import dev.kvstore.bench.FailureReason;
import dev.kvstore.bench.KvStoreWatchers;
import dev.kvstore.bench.Latency;
import dev.kvstore.bench.PacedPuts;
import dev.kvstore.bench.StampedValue;
import dev.kvstore.bench.WatchLatencyReport;
import dev.kvstore.bench.WatchLayout;
import dev.kvstore.client.KvClient;
import dev.kvstore.comparison.ComparisonReport.Store;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures watch delivery on kvstore and etcd 3.4 side by side, as {@code kvstore bench
 * watch-latency} does on kvstore alone: in each round and on each system in turn, opens
 * {@code --watchers} watchers on one member (a follower, or the leader with {@code --watch-on
 * leader}), then puts {@code --rate} stamped values per second (open loop) to random watched keys
 * through all members, and records how long each event took from the put's send time to its
 * watcher. Same layout, values and schedule for both ({@link WatchLayout}, {@link PacedPuts},
 * {@link DeliveryLog}); jetcd on etcd's side. Also reports the CPU time per put of each system's
 * servers and of this process. Started by {@code deploy/bench-watch-vs-etcd.sh}; stops both
 * clusters and deletes its folder when it ends, fails or is interrupted.
 */
@Command(
    name = "bench-watch-vs-etcd",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the same watch-latency load against kvstore and etcd 3.4, alternately, and prints"
        + " medians and kvstore/etcd ratios.")
public final class WatchComparison implements Callable<Integer> {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);
  private static final Duration TICK = Duration.ofMillis(100);
  private static final long VALUE_SEED = 7;

  /** Which member of each cluster holds the watchers. */
  enum WatchOn { FOLLOWER, LEADER }

  @Option(names = "--rounds", paramLabel = "N", description = "Measured rounds, each on both systems (default: 2).")
  int rounds = 2;

  @Option(names = "--warmup-rounds", paramLabel = "N",
      description = "Rounds run first and not reported, so both systems are measured warm (default: 1).")
  int warmupRounds = 1;

  @Option(names = "--watchers", paramLabel = "N", description = "Watchers, one stream each (default: 10000).")
  int watchers = 10_000;

  @Option(names = "--watchers-per-key", paramLabel = "N", description = "Watchers of each key (default: 1).")
  int watchersPerKey = 1;

  @Option(names = "--prefix", description = "Each watcher follows the prefix KEY/ instead of the key.")
  boolean prefix;

  @Option(names = "--rate", paramLabel = "PUTS", description = "Puts per second, whatever the answers (default: 1000).")
  double rate = 1000;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Measured time of each run, e.g. 20s (default: 20s).")
  Duration duration = Duration.ofSeconds(20);

  @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Puts before each measured window, not counted (default: 5s).")
  Duration warmup = Duration.ofSeconds(5);

  @Option(names = "--value-size", paramLabel = "BYTES",
      description = "Size of each value, at least " + StampedValue.STAMP_BYTES + " (default: 256).")
  int valueSize = 256;

  @Option(names = "--watch-on", paramLabel = "ROLE", description = "follower or leader (default: follower).")
  WatchOn watchOn = WatchOn.FOLLOWER;

  @Option(names = "--register-timeout", paramLabel = "DURATION", converter = DurationOption.class,
      description = "How long every watcher may take to be registered (default: 120s).")
  Duration registerTimeout = Duration.ofSeconds(120);

  @Mixin
  ClusterOptions clusters = new ClusterOptions();

  @Spec
  CommandSpec spec;

  private final PrintStream out;
  private final HarnessResources resources = new HarnessResources();

  WatchComparison(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.out).execute(args));
  }

  static CommandLine commandLine(PrintStream out) {
    CommandLine commandLine = new CommandLine(new WatchComparison(out));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  /**
   * The watch layout, after checking every option.
   *
   * @throws ParameterException saying what is wrong and what is allowed
   */
  WatchLayout checkedLayout() {
    if (rounds < 1 || warmupRounds < 0) {
      throw new ParameterException(spec.commandLine(), "--rounds must be at least 1, --warmup-rounds at least 0");
    }
    if (!(rate > 0) || duration.isZero() || duration.isNegative() || warmup.isNegative()) {
      throw new ParameterException(spec.commandLine(),
          "--rate and --duration must be above 0, --warmup at least 0");
    }
    if (valueSize < StampedValue.STAMP_BYTES) {
      throw new ParameterException(spec.commandLine(),
          "--value-size must be at least " + StampedValue.STAMP_BYTES + " (the send time), got " + valueSize);
    }
    try {
      return new WatchLayout("bench/watch/", watchers, watchersPerKey, prefix);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    WatchLayout layout = checkedLayout();
    resources.runClosingOnShutdown("bench-watch-vs-etcd-cleanup", () -> {
      WatchComparisonReport report = run(layout);
      print(report);
    });
    return 0;
  }

  private WatchComparisonReport run(WatchLayout layout) throws Exception {
    Path work = clusters.workFolder(resources, "kvstore-watch-vs-etcd-");
    out.printf(Locale.ROOT, "work folder %s; %d rounds (after %d not reported); %s; %.0f puts/s, %d-byte values,"
            + " %s measured after %s of warm-up; watchers on a %s%n",
        work, rounds, warmupRounds, layout.describe(), rate, valueSize, DurationOption.text(duration),
        DurationOption.text(warmup), watchOn.name().toLowerCase(Locale.ROOT));

    EtcdCluster etcdCluster = resources.track(EtcdCluster.start(clusters.etcd, work.resolve("etcd"), clusters.etcdPortBase));
    LocalKvCluster kvCluster = resources.track(LocalKvCluster.start(clusters.repo.toAbsolutePath(),
        work.resolve("kvstore"), clusters.kvstoreClientPortBase, clusters.kvstoreRaftPortBase));

    KvClient kvPuts = resources.track(KvClient.builder().endpoints(kvCluster.endpoints()).requestTimeout(REQUEST_TIMEOUT).build());
    kvPuts.connect(Duration.ofSeconds(5));
    String kvWatchNode = kvWatchEndpoint(kvPuts, kvCluster);
    KvClient kvWatch = resources.track(KvClient.builder().endpoints(List.of(kvWatchNode)).requestTimeout(REQUEST_TIMEOUT).build());
    kvWatch.connect(Duration.ofSeconds(5));

    Client etcdPuts = resources.track(Client.builder().endpoints(etcdCluster.endpoints().toArray(String[]::new)).build());
    String etcdWatchNode = etcdWatchEndpoint(etcdPuts, etcdCluster.endpoints());
    Client etcdWatch = resources.track(Client.builder().endpoints(etcdWatchNode).build());
    out.printf(Locale.ROOT, "watchers on kvstore %s and etcd %s%n", kvWatchNode, etcdWatchNode);

    Map<Store, PacedPuts.Sender> senders = new EnumMap<>(Store.class);
    senders.put(Store.KVSTORE, (key, value) -> kvPuts.async().put(key, value)
        .thenApply(answer -> answer.getHeader().getRevision()));
    senders.put(Store.ETCD, (key, value) -> etcdPuts.getKVClient()
        .put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value.toByteArray()))
        .thenApply(answer -> answer.getHeader().getRevision())
        .orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    Map<Store, Function<DeliveryLog, WatcherGroup>> groups = new EnumMap<>(Store.class);
    groups.put(Store.KVSTORE, log -> new KvStoreWatcherGroup(new KvStoreWatchers(layout, List.of(kvWatch), log)));
    groups.put(Store.ETCD, log -> new EtcdWatchers(layout, etcdWatch.getWatchClient(), log));
    Map<Store, Function<Throwable, String>> failureReasons = new EnumMap<>(Store.class);
    failureReasons.put(Store.KVSTORE, FailureReason::of);
    failureReasons.put(Store.ETCD, EtcdOperations.failureReason());
    Map<Store, ProcessCpu> servers = new EnumMap<>(Store.class);
    servers.put(Store.KVSTORE, new ProcessCpu(kvCluster.processes()));
    servers.put(Store.ETCD, new ProcessCpu(etcdCluster.processes()));
    ProcessCpu generator = ProcessCpu.self();

    WatchComparisonReport report = new WatchComparisonReport();
    for (int round = 1 - warmupRounds; round <= rounds; round++) {
      List<Store> order = round % 2 == 1 ? List.of(Store.KVSTORE, Store.ETCD) : List.of(Store.ETCD, Store.KVSTORE);
      for (Store store : order) {
        WatchComparisonReport.Run run = measure(layout, groups.get(store), senders.get(store),
            failureReasons.get(store), servers.get(store), generator, round);
        if (round >= 1) {
          report.add(store, run);
        }
        out.println(describe(round, store, run));
      }
    }
    return report;
  }

  private WatchComparisonReport.Run measure(WatchLayout layout, Function<DeliveryLog, WatcherGroup> group,
      PacedPuts.Sender sender, Function<Throwable, String> failureReason, ProcessCpu servers, ProcessCpu generator,
      int round) throws InterruptedException {
    DeliveryLog log = new DeliveryLog(layout);
    try (WatcherGroup watching = group.apply(log)) {
      long opening = System.nanoTime();
      watching.open();
      long deadline = opening + registerTimeout.toNanos();
      while (watching.registered() + watching.ended() < layout.watchers() && System.nanoTime() - deadline < 0) {
        pause();
      }
      if (watching.registered() < layout.watchers()) {
        throw new IllegalStateException(watching.registered() + " of " + layout.watchers() + " watchers registered within "
            + registerTimeout + (watching.firstError().map(e -> "; the first that ended: " + e).orElse("")));
      }
      double registration = (System.nanoTime() - opening) / 1e9;
      Duration serversBefore = servers.used();
      Duration generatorBefore = generator.used();
      long start = System.nanoTime();
      long measureFrom = start + warmup.toNanos();
      log.measure(measureFrom, measureFrom + duration.toNanos());
      Duration grace = REQUEST_TIMEOUT.plus(DRAIN_MARGIN);
      PacedPuts writer = new PacedPuts(layout, rate, Integer.MAX_VALUE, new StampedValue(valueSize, VALUE_SEED), sender,
          log, round, failureReason, System::nanoTime);
      PacedPuts.Result puts = writer.run(start, grace, TICK, progress -> { });
      log.awaitAcknowledgedDelivered(grace, TICK);
      long due = Math.round(rate * (warmup.toNanos() + duration.toNanos()) / 1e9);
      CpuCost cost = CpuCost.perRequest(servers.used().minus(serversBefore), generator.used().minus(generatorBefore),
          Math.max(1, due));
      return new WatchComparisonReport.Run(
          new WatchLatencyReport(puts, log.check(), log.latency(), watching.ended(), watching.foreign()), cost, registration);
    }
  }

  private static void pause() throws InterruptedException {
    Thread.sleep(TICK.toMillis());
  }

  /** The kvstore node to watch on: the first follower (or the leader) in the cluster's status. */
  private String kvWatchEndpoint(KvClient client, LocalKvCluster cluster) {
    for (MemberStatus member : client.status().getMembersList()) {
      boolean leader = member.getRole() == MemberRole.LEADER;
      if (member.getReachable() && leader == (watchOn == WatchOn.LEADER) && cluster.nodes().contains(member.getId())) {
        return cluster.endpoint(member.getId());
      }
    }
    throw new IllegalStateException("no kvstore member is a " + watchOn.name().toLowerCase(Locale.ROOT) + " now");
  }

  /** The etcd member to watch on: the first follower (or the leader) among the endpoints. */
  private String etcdWatchEndpoint(Client client, List<String> endpoints) throws Exception {
    for (String endpoint : endpoints) {
      StatusResponse status = client.getMaintenanceClient().statusMember(endpoint).get(10, TimeUnit.SECONDS);
      boolean leader = status.getLeader() == status.getHeader().getMemberId();
      if (leader == (watchOn == WatchOn.LEADER)) {
        return endpoint;
      }
    }
    throw new IllegalStateException("no etcd member is a " + watchOn.name().toLowerCase(Locale.ROOT) + " now");
  }

  private String describe(int round, Store store, WatchComparisonReport.Run run) {
    String which = round >= 1 ? "round " + round + "/" + rounds : "warm-up " + (round + warmupRounds) + "/" + warmupRounds;
    WatchLatencyReport r = run.report();
    return String.format(Locale.ROOT, "%-11s %-7s registered in %5.1fs; delivery p50 %8.1f p99 %8.1f max %8.1f ms;"
            + " puts %6.0f/s p50 %7.1f p99 %8.1f ms, %d failed%s; missed %d; CPU/put: servers %6.0f µs, generator %5.0f µs",
        which, store.label, run.registration(), Latency.millis(r.latency().p50()), Latency.millis(r.latency().p99()),
        Latency.millis(r.latency().max()), r.puts().putsPerSecond(), Latency.millis(r.puts().latency().p50()),
        Latency.millis(r.puts().latency().p99()), r.puts().failed(),
        r.puts().failures().isEmpty() ? "" : " " + r.puts().failures(), r.deliveries().missed(),
        run.cost().serverMicros(), run.cost().generatorMicros());
  }

  private void print(WatchComparisonReport report) throws Exception {
    out.println();
    out.println("Medians over " + rounds + " rounds; ratios kvstore / etcd, the median of each round's pair:");
    List<String> markdown = report.markdown();
    markdown.forEach(out::println);
    clusters.writeMarkdown(markdown, out);
  }
}
