package dev.kvstore.scale;

import com.google.protobuf.ByteString;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.bench.ClosedLoop;
import dev.kvstore.bench.FailureReason;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.KvStoreOperations;
import dev.kvstore.bench.Latency;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.LoadSpec;
import dev.kvstore.bench.Mix;
import dev.kvstore.bench.OperationType;
import dev.kvstore.bench.Progress;
import dev.kvstore.client.KvClient;
import dev.kvstore.comparison.DurationOption;
import dev.kvstore.comparison.FolderTree;
import dev.kvstore.comparison.HarnessResources;
import dev.kvstore.comparison.LocalKvCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures issue 7's scale targets on a fresh 3-node local cluster ({@code deploy/local-cluster.sh}):
 * loads N keys, then reports each node's resident memory and JVM heap, the put latency of a
 * closed loop with and without snapshots being taken on every node, and how long a node killed
 * with kill -9 takes, from its process start, to serve a linearizable get of a key written just
 * before the kill. Started by {@code deploy/bench-scale.sh}; stops the cluster and deletes its
 * folder when it ends, fails or is interrupted.
 */
@Command(
    name = "bench-scale",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Loads N keys into a fresh local cluster and measures memory, snapshot stalls and restart time.")
public final class ScaleBench implements Callable<Integer> {

  /** Which node a restart measurement kills. */
  enum Victim { FOLLOWER, LEADER }

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  // A snapshot of a million keys takes seconds on a busy machine; the node gives Ratis 60 s.
  private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);
  private static final Duration LOAD_TICK = Duration.ofSeconds(10);
  private static final Duration STALL_TICK = Duration.ofSeconds(1);
  private static final Duration SETTLE_WITHIN = Duration.ofMinutes(3);
  private static final Duration NEW_LEADER_WITHIN = Duration.ofSeconds(30);
  private static final Duration JCMD_WITHIN = Duration.ofSeconds(60);
  private static final long VALUE_SEED = 42;
  // Nodes started on data already loaded run cold: JIT-compiled code takes tens of seconds of load.
  private static final Duration COLD_START_WARMUP = Duration.ofSeconds(30);
  private static final String KEY_PREFIX = "scale/";

  @Option(names = "--keys", paramLabel = "N", description = "Keys to load, each written once (default: 1000000).")
  long keys = 1_000_000;

  @Option(names = "--value-size", paramLabel = "BYTES", description = "Size of each value (default: 256).")
  int valueSize = 256;

  @Option(names = "--load-concurrency", paramLabel = "N", description = "Writes in flight while loading (default: 256).")
  int loadConcurrency = 256;

  @Option(names = "--stall-rounds", paramLabel = "N",
      description = "Rounds of the snapshot-stall measurement, each a run without and a run with snapshots;"
          + " 0 skips it (default: 2).")
  int stallRounds = 2;

  @Option(names = "--stall-duration", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Measured time of each stall run (default: 30s).")
  Duration stallDuration = Duration.ofSeconds(30);

  @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Unmeasured load before each stall run; 0 for none (default: 5s).")
  Duration warmup = Duration.ofSeconds(5);

  @Option(names = "--stall-concurrency", paramLabel = "N", description = "Puts in flight in the stall runs (default: 16).")
  int stallConcurrency = 16;

  @Option(names = "--snapshot-every", paramLabel = "DURATION", converter = DurationOption.class,
      description = "In the runs with snapshots, every node starts one this often (all at once); 0: back to back"
          + " (default: 10s).")
  Duration snapshotEvery = Duration.ofSeconds(10);

  @Option(names = "--restart", paramLabel = "NODE", split = ",",
      description = "Nodes to kill -9 and restart, in order: follower, leader; none for no restart"
          + " (default: follower,leader).")
  List<String> restart = List.of("follower", "leader");

  @Option(names = "--restart-within", paramLabel = "DURATION", converter = DurationOption.class,
      description = "How long a restarted node may take to serve before the measurement gives up (default: 120s).")
  Duration restartWithin = Duration.ofSeconds(120);

  @Option(names = "--client-port-base", paramLabel = "PORT", description = "Client ports PORT..PORT+2 (default: 53051).")
  int clientPortBase = 53051;

  @Option(names = "--raft-port-base", paramLabel = "PORT", description = "Raft ports PORT..PORT+2 (default: 9001).")
  int raftPortBase = 9001;

  @Option(names = "--metrics-port-base", paramLabel = "PORT",
      description = "Prometheus ports PORT..PORT+2 (default: the client port base + 100).")
  Integer metricsPortBase;

  @Option(names = "--repo", paramLabel = "PATH", description = "The repository's top folder (default: .).")
  Path repo = Path.of(".");

  @Option(names = "--work-dir", paramLabel = "PATH",
      description = "Folder for the cluster's data and logs (default: a new temporary folder). Deleted at the end"
          + " unless --keep.")
  Path workDir;

  @Option(names = "--keep", description = "Keep the work folder (data and logs) at the end.")
  boolean keep;

  @Option(names = "--cluster-dir", paramLabel = "PATH",
      description = "Run the cluster in this folder and keep it at the end (nodes stopped), so that a later run can"
          + " use its keys with --skip-load (default: inside the work folder, deleted at the end).")
  Path clusterDir;

  @Option(names = "--skip-load",
      description = "Do not load keys: the cluster in --cluster-dir holds them from an earlier run.")
  boolean skipLoad;

  @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the Markdown summary to FILE.")
  Path markdownFile;

  @Spec
  CommandSpec spec;

  private final PrintStream out;
  private final HarnessResources resources = new HarnessResources();
  private final List<String> markdown = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private LocalKvCluster cluster;
  private KvClient client;

  ScaleBench(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.out).execute(args));
  }

  static CommandLine commandLine(PrintStream out) {
    return new CommandLine(new ScaleBench(out));
  }

  /**
   * The nodes to restart, after checking every option.
   *
   * @throws ParameterException saying what is wrong and what is allowed
   */
  List<Victim> checkedOptions() {
    if (keys < 1 || loadConcurrency < 1 || stallConcurrency < 1 || valueSize < 0 || stallRounds < 0) {
      throw new ParameterException(spec.commandLine(), "--keys, --load-concurrency and --stall-concurrency must be at"
          + " least 1, --value-size and --stall-rounds at least 0");
    }
    if (skipLoad && clusterDir == null) {
      throw new ParameterException(spec.commandLine(), "--skip-load needs --cluster-dir: a new cluster holds no keys");
    }
    if (stallDuration.isZero() || restartWithin.isZero()) {
      throw new ParameterException(spec.commandLine(), "--stall-duration and --restart-within must be longer than zero");
    }
    List<Victim> victims = new ArrayList<>();
    for (String name : restart) {
      switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "follower" -> victims.add(Victim.FOLLOWER);
        case "leader" -> victims.add(Victim.LEADER);
        case "none" -> { }
        default -> throw new ParameterException(spec.commandLine(),
            "--restart: '" + name + "' is not a node to restart; use follower, leader or none");
      }
    }
    return victims;
  }

  @Override
  public Integer call() throws Exception {
    List<Victim> victims = checkedOptions();
    // Ctrl-C or a kill (not -9) still stops the cluster and deletes the folder.
    resources.runClosingOnShutdown("bench-scale-cleanup", () -> {
      run(victims);
    });
    return 0;
  }

  private void run(List<Victim> victims) throws Exception {
    Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("kvstore-scale-");
    if (!keep) {
      resources.track(() -> FolderTree.delete(work));
    }
    out.printf(Locale.ROOT, "work folder %s; %,d keys %s*, %d-byte values; load average %s%n",
        work, keys, KEY_PREFIX, valueSize, LinuxProcess.loadAverage());
    out.println("node JVM options: " + System.getenv().getOrDefault("KVSTORE_JAVA_OPTS", "(local-cluster.sh's default)"));
    cluster = resources.track(LocalKvCluster.start(repo.toAbsolutePath(),
        clusterDir != null ? clusterDir.toAbsolutePath() : work.resolve("kvstore"), clientPortBase, raftPortBase,
        metricsPortBase == null ? clientPortBase + 100 : metricsPortBase));
    if (clusterDir != null) {
      cluster.keepDataOnClose();
    }
    client = resources.track(KvClient.builder().endpoints(cluster.endpoints()).requestTimeout(REQUEST_TIMEOUT).build());
    client.connect(Duration.ofSeconds(5));

    markdown.add("Load average at the start: " + LinuxProcess.loadAverage() + ".");
    if (!skipLoad) {
      load();
    }
    settle();
    memory("after loading");
    if (stallRounds > 0) {
      stall();
    }
    for (Victim victim : victims) {
      restart(victim);
    }
    if (!victims.isEmpty()) {
      settle();
      memory("at the end (restarted nodes have loaded the snapshot and caught up)");
    }
    markdown.add("");
    markdown.add("Load average at the end: " + LinuxProcess.loadAverage() + ".");
    out.println();
    out.println("Markdown:");
    markdown.forEach(out::println);
    if (markdownFile != null) {
      Files.write(markdownFile, markdown);
      out.println("(written to " + markdownFile + ")");
    }
  }

  private KvStoreOperations operations(KvClient on) {
    return new KvStoreOperations(on.async(), new KeySpace(KEY_PREFIX, keys),
        ByteString.copyFrom(KeySpace.sampleValue(valueSize, VALUE_SEED)));
  }

  private void load() throws InterruptedException {
    ClosedLoop loop = new ClosedLoop(LoadSpec.everyKeyOnce(loadConcurrency, keys),
        Mix.of(OperationType.PUT).bind(operations(client)), FailureReason::of, System::nanoTime);
    LoadReport loaded = run(loop, LOAD_TICK, progress -> {
      // The rate is over the measuring phase's time; the ticks after it (draining, done) start a new
      // phase clock, and the line after the run gives the final figures.
      if (progress.phase() == Progress.Phase.MEASURING) {
        out.printf(Locale.ROOT, "  loading: %,d of %,d written, %,d failed, %,.0f writes/s so far%n",
            progress.completed(), keys, progress.failed(),
            progress.completed() / Math.max(1e-9, progress.phaseNanos() / 1e9));
      }
    });
    String line = String.format(Locale.ROOT, "loaded %,d keys in %.1f s (%,.0f writes/s, %d in flight), %,d failed%s",
        loaded.succeeded(), loaded.measured().toMillis() / 1000.0, loaded.opsPerSecond(), loadConcurrency,
        loaded.failed(), loaded.failed() == 0 ? "" : " " + loaded.failures());
    out.println(line);
    markdown.add("");
    markdown.add("Loading: " + line + ".");
  }

  /** Waits until every node has applied everything committed when it started waiting. */
  private void settle() throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
    long target = -1;
    while (System.nanoTime() < deadline) {
      try {
        StatusResponse status = client.status();
        if (target < 0) {
          target = status.getMembersList().stream().mapToLong(MemberStatus::getCommitIndex).max().orElse(0);
        }
        long lowest = status.getMembersList().stream()
            .mapToLong(m -> m.getReachable() ? m.getAppliedIndex() : -1).min().orElse(-1);
        if (lowest >= target) {
          return;
        }
      } catch (RuntimeException e) {
        out.println("  status: " + e.getMessage());
      }
      TimeUnit.SECONDS.sleep(1);
    }
    out.println("  not every node applied index " + target + " within " + SETTLE_WITHIN.toSeconds() + " s; measuring anyway");
  }

  private void memory(String when) throws IOException, InterruptedException {
    out.println();
    out.println("Memory " + when + " (load average " + LinuxProcess.loadAverage() + "):");
    markdown.add("");
    markdown.add("Memory " + when + ", MiB:");
    markdown.add("");
    markdown.add("| node | RSS | peak RSS | heap used | heap committed | non-heap | direct buffers"
        + " | live heap after full GC | RSS after full GC | data on disk |");
    markdown.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String node : cluster.nodes()) {
      LinuxProcess process = new LinuxProcess(cluster.pid(node));
      LinuxProcess.Memory rss = process.memory();
      Optional<JvmMemory> jvm = jvmMemory(node);
      Optional<Long> liveHeap = fullGc(process) ? jvmMemory(node).map(JvmMemory::heapUsed) : Optional.empty();
      LinuxProcess.Memory afterGc = process.memory();
      long disk = bytesUnder(cluster.dataDir(node));
      String row = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", node,
          mib(rss.rssBytes()), mib(rss.peakRssBytes()), mib(jvm.map(JvmMemory::heapUsed)),
          mib(jvm.map(JvmMemory::heapCommitted)), mib(jvm.map(JvmMemory::nonHeapUsed)),
          mib(jvm.map(JvmMemory::directUsed)), mib(liveHeap), mib(afterGc.rssBytes()), mib(disk));
      out.println("  " + row);
      markdown.add(row);
    }
  }

  private Optional<JvmMemory> jvmMemory(String node) throws InterruptedException {
    Optional<URI> metrics = cluster.metrics(node);
    return metrics.isEmpty() ? Optional.empty() : JvmMemory.scrape(http, metrics.get());
  }

  /** Has the JVM collect all garbage ({@code jcmd PID GC.run}); false when jcmd is missing or fails. */
  private boolean fullGc(LinuxProcess process) throws InterruptedException {
    try {
      Process jcmd = new ProcessBuilder("jcmd", Long.toString(process.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!jcmd.waitFor(JCMD_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        return false;
      }
      return jcmd.exitValue() == 0;
    } catch (IOException noJcmd) {
      return false;
    }
  }

  private void stall() throws Exception {
    out.println();
    String cadence = snapshotEvery.isZero() ? "back to back"
        : "one every " + DurationOption.text(snapshotEvery) + ", all at once";
    out.printf(Locale.ROOT, "Snapshot stall: puts with %d in flight over the %,d keys, %s measured after %s of warm-up;"
        + " 'with' has every node take snapshots (Maintenance.Snapshot) %s%n",
        stallConcurrency, keys, DurationOption.text(stallDuration), DurationOption.text(warmup), cadence);
    markdown.add("");
    markdown.add(String.format(Locale.ROOT, "Snapshot stall: puts, %d in flight, %s measured per run (after %s"
        + " warm-up); \"with\" = every node taking snapshots through `Maintenance.Snapshot`, %s:",
        stallConcurrency, DurationOption.text(stallDuration), DurationOption.text(warmup), cadence));
    markdown.add("");
    markdown.add("| round | snapshots | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | snapshots taken (median / max ms) |");
    markdown.add("|---|---|---:|---:|---:|---:|---:|---:|---|");
    if (skipLoad) {
      out.println("  warming the nodes up (unmeasured): puts for " + DurationOption.text(COLD_START_WARMUP));
      run(new ClosedLoop(LoadSpec.forDuration(stallConcurrency, keys, Duration.ZERO, COLD_START_WARMUP),
          Mix.of(OperationType.PUT).bind(operations(client)), FailureReason::of, System::nanoTime), STALL_TICK,
          progress -> { });
    }
    List<Double> ratios = new ArrayList<>();
    try (KvClient admin = KvClient.builder().endpoints(cluster.endpoints()).requestTimeout(SNAPSHOT_TIMEOUT).build()) {
      for (int round = 1; round <= stallRounds; round++) {
        LoadReport without = null;
        LoadReport with = null;
        for (boolean snapshots : round % 2 == 1 ? List.of(false, true) : List.of(true, false)) {
          LoadSpec load = LoadSpec.forDuration(stallConcurrency, keys, warmup, stallDuration).withSeed(round);
          ClosedLoop loop = new ClosedLoop(load, Mix.of(OperationType.PUT).bind(operations(client)),
              FailureReason::of, System::nanoTime);
          List<Long> snapshotIndexBefore = snapshotIndexes();
          SnapshotLoop.Summary taken = null;
          LoadReport result;
          if (snapshots) {
            SnapshotLoop snapshotLoop = new SnapshotLoop(admin, cluster.endpoints(), snapshotEvery);
            try {
              result = run(loop, STALL_TICK, progress -> { });
            } finally {
              snapshotLoop.close();
            }
            taken = snapshotLoop.summary();
            with = result;
          } else {
            result = run(loop, STALL_TICK, progress -> { });
            without = result;
          }
          String snapshotText = taken != null
              ? String.format(Locale.ROOT, "%d (%d / %d ms)%s", taken.taken(), taken.medianMillis(), taken.maxMillis(),
                  taken.failures().isEmpty() ? "" : " failed " + taken.failures())
              : automaticSnapshots(snapshotIndexBefore, snapshotIndexes());
          String row = String.format(Locale.ROOT, "| %d | %s | %,.0f | %.1f | %.1f | %.1f | %.1f | %d | %s |", round,
              snapshots ? "with" : "without", result.opsPerSecond(), Latency.millis(result.latency().p50()),
              Latency.millis(result.latency().p99()), Latency.millis(result.latency().p999()),
              Latency.millis(result.latency().max()), result.failed(), snapshotText);
          out.println("  " + row + (result.failed() == 0 ? "" : " " + result.failures()));
          markdown.add(row);
        }
        ratios.add((double) with.latency().p99() / Math.max(1, without.latency().p99()));
      }
    }
    ratios.sort(null);
    String summary = String.format(Locale.ROOT, "put p99 with snapshots / without: %s (median %.2fx; target at most 2x)",
        ratios.stream().map(r -> String.format(Locale.ROOT, "%.2fx", r)).toList(), ratios.get(ratios.size() / 2));
    out.println(summary);
    markdown.add("");
    markdown.add(summary + ".");
  }

  /** Each node's snapshot index, -1 for a node that did not answer. */
  private List<Long> snapshotIndexes() {
    StatusResponse status = client.status();
    return cluster.nodes().stream().map(node -> status.getMembersList().stream()
        .filter(m -> m.getId().equals(node) && m.getReachable()).findFirst()
        .map(MemberStatus::getSnapshotIndex).orElse(-1L)).toList();
  }

  private static String automaticSnapshots(List<Long> before, List<Long> after) {
    long nodes = 0;
    for (int i = 0; i < before.size(); i++) {
      if (!after.get(i).equals(before.get(i))) {
        nodes++;
      }
    }
    return nodes == 0 ? "none" : "automatic on " + nodes + " node(s)";
  }

  private void restart(Victim victim) throws Exception {
    StatusResponse status = client.status();
    String leader = status.getMembersList().stream().filter(m -> m.getRole() == MemberRole.LEADER)
        .map(MemberStatus::getId).findFirst().orElseThrow(() -> new IllegalStateException("no leader: " + status));
    String node = victim == Victim.LEADER ? leader
        : cluster.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    String key = "scale-restart/" + victim.name().toLowerCase(Locale.ROOT);
    ByteString value = ByteString.copyFromUtf8(UUID.randomUUID().toString());
    client.put(key, value);
    out.println();
    out.printf(Locale.ROOT, "Restart of the %s (%s), load average %s: wrote %s, kill -9%n",
        victim.name().toLowerCase(Locale.ROOT), node, LinuxProcess.loadAverage(), key);
    cluster.kill(node);
    if (victim == Victim.LEADER) {
      long killed = System.nanoTime();
      String next = awaitLeaderOtherThan(node);
      out.printf(Locale.ROOT, "  %s leads after %d ms%n", next, (System.nanoTime() - killed) / 1_000_000);
    }
    long logOffset = NodeLogTimeline.end(cluster.log(node));
    Instant launched = Instant.now();
    cluster.startNoWait(node);
    Instant processStarted = new LinuxProcess(cluster.pid(node)).startedAt();
    RestartProbe.Timing timing = new RestartProbe(cluster.endpoint(node)).await(key, value, restartWithin);
    String serving = timing.serving().map(at -> seconds(processStarted, at))
        .orElse("not within " + DurationOption.text(restartWithin));
    String readable = timing.readable().map(at -> seconds(processStarted, at))
        .orElse("not within " + DurationOption.text(restartWithin) + " (last: " + timing.lastProblem() + ")");
    out.printf(Locale.ROOT, "  process started %s after the script was asked; from the process start: health SERVING"
        + " after %s, linearizable get of %s answered by %s after %s%n",
        seconds(launched, processStarted), serving, key, node, readable);
    out.println("  the node's log, from the process start:");
    NodeLogTimeline.since(cluster.log(node), logOffset, processStarted).forEach(line -> out.println("    " + line));
    markdown.add("");
    markdown.add(String.format(Locale.ROOT, "Restart of the %s after kill -9: health SERVING after %s, the key written"
        + " before the kill read linearizably from it after %s (from the process start).",
        victim.name().toLowerCase(Locale.ROOT), serving, readable));
  }

  private String awaitLeaderOtherThan(String node) throws InterruptedException {
    long deadline = System.nanoTime() + NEW_LEADER_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Optional<String> leader = client.status().getMembersList().stream()
            .filter(m -> m.getRole() == MemberRole.LEADER && !m.getId().equals(node))
            .map(MemberStatus::getId).findFirst();
        if (leader.isPresent()) {
          return leader.get();
        }
      } catch (RuntimeException e) {
        // No node answered yet: ask again.
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new IllegalStateException("no new leader within " + NEW_LEADER_WITHIN.toSeconds() + " s after killing " + node);
  }

  private LoadReport run(ClosedLoop loop, Duration tick, Consumer<Progress> onTick) throws InterruptedException {
    return resources.run(loop, REQUEST_TIMEOUT.plus(DRAIN_MARGIN), tick, onTick);
  }

  private static long bytesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
    }
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,.0f", bytes / 1048576.0);
  }

  private static String mib(Optional<Long> bytes) {
    return bytes.map(ScaleBench::mib).orElse("n/a");
  }

  private static String seconds(Instant from, Instant to) {
    return String.format(Locale.ROOT, "%.2f s", Duration.between(from, to).toMillis() / 1000.0);
  }
}
