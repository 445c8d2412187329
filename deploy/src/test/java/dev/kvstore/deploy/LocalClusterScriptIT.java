package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.client.KvClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The README's promise, end to end: the cluster script starts three real node processes, the CLI
 * works against any node, a leader killed with kill -9 costs seconds, a restarted node and a
 * restarted cluster have every acknowledged write, and {@code down} stops exactly its processes.
 * The steps build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterScriptIT {

  private static final Logger LOG = LoggerFactory.getLogger(LocalClusterScriptIT.class);
  /**
   * Longest a script or CLI command may take: the first {@code up} of a build on JDK 25+ also
   * records the nodes' AOT cache (a short training, {@link #TRAINING_SECONDS}, and about 45 s to
   * write it).
   */
  private static final Duration LIMIT = Duration.ofSeconds(240);
  /**
   * The training load of the nodes' AOT cache, in s: a short one, so that the first {@code up} of a
   * test run costs less (its cache is named by this length, so no user's cluster maps it).
   */
  private static final String TRAINING_SECONDS = "5";
  /** Where the script's users find their JDKs (this machine kind: Temurin 25 besides Debian's 17). */
  private static final Path JDK_FOLDER = Path.of("/usr/lib/jvm");

  @TempDir
  static Path clusterDir;

  static Path repo;
  static ProcessRun shell;
  static int clientBase;
  static int metricsBase;
  static KvClient client;
  static final List<String> acknowledged = new ArrayList<>();

  @BeforeAll
  static void ports() throws IOException {
    repo = Path.of(System.getProperty("kvstore.repo.root", "..")).toRealPath();
    clientBase = FreePorts.range(3);
    int raftBase = FreePorts.range(3);
    while (Math.abs(raftBase - clientBase) < 3) {
      raftBase = FreePorts.range(3);
    }
    metricsBase = FreePorts.range(3);
    while (Math.abs(metricsBase - clientBase) < 3 || Math.abs(metricsBase - raftBase) < 3) {
      metricsBase = FreePorts.range(3);
    }
    Map<String, String> env = new HashMap<>(Map.of(
        "KVSTORE_CLUSTER_DIR", clusterDir.toString(),
        "KVSTORE_CLIENT_PORT_BASE", String.valueOf(clientBase),
        "KVSTORE_RAFT_PORT_BASE", String.valueOf(raftBase),
        "KVSTORE_METRICS_PORT_BASE", String.valueOf(metricsBase),
        "KVSTORE_ENDPOINTS", endpoints(1, 2, 3),
        "KVSTORE_NODE_TRAINING_SECONDS", TRAINING_SECONDS));
    // The other script tests run the nodes on the PATH's java (JDK 17 here); this one on a JDK 25+
    // when there is one, so that the AOT cache's recording and use are tested too.
    newestJdk(25).ifPresent(java -> env.put("JAVA", java.toString()));
    shell = new ProcessRun(repo, env);
  }

  /** The java program of the newest JDK in {@link #JDK_FOLDER} of feature release {@code min} or later. */
  private static Optional<Path> newestJdk(int min) throws IOException {
    if (!Files.isDirectory(JDK_FOLDER)) {
      return Optional.empty();
    }
    try (Stream<Path> jdks = Files.list(JDK_FOLDER)) {
      return jdks.filter(jdk -> Files.isRegularFile(jdk.resolve("release")) && Files.isExecutable(jdk.resolve("bin/java")))
          .map(jdk -> Map.entry(featureRelease(jdk.resolve("release")), jdk.resolve("bin/java")))
          .filter(jdk -> jdk.getKey() >= min)
          .max(Map.Entry.comparingByKey())
          .map(Map.Entry::getValue);
    }
  }

  @AfterAll
  static void clean() {
    if (client != null) {
      client.close();
    }
    ProcessRun.Result r = shell.run(LIMIT, List.of("deploy/local-cluster.sh", "clean"));
    LOG.info("clean: {}", r);
  }

  private static String endpoints(int... nodes) {
    List<String> out = new ArrayList<>();
    for (int n : nodes) {
      out.add("127.0.0.1:" + (clientBase + n - 1));
    }
    return String.join(",", out);
  }

  private static ProcessRun.Result script(String... args) {
    List<String> command = new ArrayList<>(List.of("deploy/local-cluster.sh"));
    command.addAll(List.of(args));
    return shell.run(LIMIT, command);
  }

  private static ProcessRun.Result cli(String... args) {
    List<String> command = new ArrayList<>(List.of("deploy/kvstore"));
    command.addAll(List.of(args));
    return shell.run(LIMIT, command);
  }

  private static String leader() {
    MemberStatus leader = client.status().getMembersList().stream()
        .filter(m -> m.getRole() == MemberRole.LEADER).findFirst().orElseThrow();
    return leader.getId();
  }

  @Test
  @Order(1)
  void upStartsThreeServingNodes() {
    ProcessRun.Result up = script("up");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    assertThat(up.stdout()).contains("serving: n1 n2 n3");
    client = KvClient.builder().endpoints(endpoints(1, 2, 3)).requestTimeout(Duration.ofSeconds(10)).build();
    assertThat(client.status().getMembersCount()).isEqualTo(3);
  }

  /**
   * On JDK 25+ (this test's {@code JAVA}, from /usr/lib/jvm: this machine kind has Temurin 25) every
   * node maps the AOT cache that this {@code up} recorded by its training run (or an earlier up of
   * this build did). In CI a node on an older JDK fails the test: the machine has a JDK 25.
   */
  @Test
  @Order(2)
  void onJdk25EveryNodeStartsWithTheRecordedAotCache() throws IOException {
    for (String n : List.of("n1", "n2", "n3")) {
      String pid = Files.readString(clusterDir.resolve(n + ".pid")).trim();
      List<String> commandLine = List.of(Files.readString(Path.of("/proc", pid, "cmdline")).split("\0"));
      int feature = featureRelease(Path.of(commandLine.get(0)).toRealPath().getParent().getParent().resolve("release"));
      if (feature < 25) {
        assertThat(System.getenv("CI")).as(n + " runs on JDK " + feature + ", not on this machine's JDK 25")
            .isNotEqualTo("true");
        Assumptions.abort(n + " runs on JDK " + feature + ": no AOT cache (JDK 25+) to check");
      }
      String cacheOption = commandLine.stream().filter(arg -> arg.startsWith("-XX:AOTCache=")).findFirst()
          .orElseThrow(() -> new AssertionError(n + " started without -XX:AOTCache: " + commandLine));
      assertThat(Path.of(cacheOption.substring("-XX:AOTCache=".length()))).as(n).isRegularFile();
    }
  }

  /** The feature release in a JDK's release file ({@code JAVA_VERSION="25.0.1"}: 25; 0 if it says none). */
  private static int featureRelease(Path release) {
    try {
      Matcher version = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE).matcher(Files.readString(release));
      return version.find() ? Integer.parseInt(version.group(1)) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  @Order(3)
  void everyNodeServesMetricsWhereStatusSays() throws Exception {
    ProcessRun.Result status = script("status");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int n = 1; n <= 3; n++) {
      String url = "http://127.0.0.1:" + (metricsBase + n - 1) + "/metrics";
      assertThat(status.stdout()).contains("n" + n + " running").contains(url);
      HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body()).contains("kvstore_node_info{cluster=\"kvstore\",node=\"n" + n + "\"");
    }
  }

  @Test
  @Order(4)
  void putThroughNode2GetThroughNode3AndAWatchOnNode1SeesIt() throws Exception {
    Path watchOut = clusterDir.resolve("watch.out");
    // Starting at the next revision makes the watch see the put even if it registers after it.
    long next = client.get("greeting").getHeader().getRevision() + 1;
    Process watch = shell.start(List.of("deploy/kvstore", "--endpoints", endpoints(1), "watch", "greeting",
        "--rev", String.valueOf(next)), watchOut, clusterDir.resolve("watch.err"));
    try {
      ProcessRun.Result put = cli("--endpoints", endpoints(2), "put", "greeting", "hello from node 2");
      assertThat(put.exitCode()).as(put.toString()).isZero();
      assertThat(put.stdout().trim()).isEqualTo("OK");
      acknowledged.add("greeting");

      ProcessRun.Result get = cli("--endpoints", endpoints(3), "get", "greeting");
      assertThat(get.exitCode()).as(get.toString()).isZero();
      assertThat(get.stdout().trim()).isEqualTo("hello from node 2");

      await().atMost(Duration.ofSeconds(20))
          .until(() -> ProcessRun.read(watchOut).contains("PUT greeting hello from node 2"));
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(5)
  void theCliReportsMissingKeysAndUsageErrorsWithTheirExitCodes() {
    ProcessRun.Result missing = cli("get", "no-such-key");
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(3);
    assertThat(missing.stderr()).contains("key not found: no-such-key");
    assertThat(cli("delete", "no-such-key").exitCode()).isEqualTo(3);
    assertThat(cli("put", "only-a-key").exitCode()).isEqualTo(2);
    ProcessRun.Result tooLong = cli("put", "k".repeat(5000), "v");
    assertThat(tooLong.exitCode()).as(tooLong.toString()).isEqualTo(2);
    assertThat(tooLong.stderr()).contains("maximum is 4096");

    ProcessRun.Result populate = cli("populate", "--count", "50", "--prefix", "sample/");
    assertThat(populate.exitCode()).as(populate.toString()).isZero();
    ProcessRun.Result all = cli("all", "--prefix", "sample/");
    assertThat(all.stdout().lines().count()).isEqualTo(50);
    for (int i = 0; i < 50; i++) {
      acknowledged.add(all.stdout().lines().toList().get(i).split("\t")[0]);
    }
    ProcessRun.Result status = cli("-o", "json", "status");
    assertThat(status.exitCode()).isZero();
    JsonObject json = JsonParser.parseString(status.stdout()).getAsJsonObject();
    assertThat(json.getAsJsonArray("members")).hasSize(3);
  }

  @Test
  @Order(6)
  void killingTheLeaderWithKill9CostsSecondsAndTheSurvivorsKeepWriting() {
    String leader = leader();
    ProcessRun.Result kill = script("kill", leader);
    assertThat(kill.exitCode()).as(kill.toString()).isZero();
    long killed = System.nanoTime();
    Long firstSuccessMs = null;
    for (int i = 0; i < 100; i++) {
      String key = "after-kill/" + i;
      client.put(key, "v" + i);
      acknowledged.add(key);
      if (firstSuccessMs == null) {
        firstSuccessMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      }
    }
    LOG.info("first acknowledged write {} ms after kill -9 of leader {}", firstSuccessMs, leader);
    assertThat(firstSuccessMs).isLessThan(10_000);
    assertThat(leader()).isNotEqualTo(leader);

    ProcessRun.Result start = script("start", leader);
    assertThat(start.exitCode()).as(start.toString()).isZero();
    int node = Integer.parseInt(leader.substring(1));
    try (KvClient restarted = KvClient.builder().endpoints(endpoints(node)).build()) {
      await().atMost(Duration.ofSeconds(30)).until(() ->
          restarted.get("after-kill/99", ReadConsistency.SERIALIZABLE).getFound());
      for (String key : acknowledged) {
        assertThat(restarted.get(key).getFound()).as(key).isTrue();
      }
    }
  }

  @Test
  @Order(7)
  void aStoppedAndRestartedClusterHasEveryAcknowledgedWrite() throws IOException {
    List<String> pids = new ArrayList<>();
    for (String n : List.of("n1", "n2", "n3")) {
      pids.add(Files.readString(clusterDir.resolve(n + ".pid")).trim());
    }
    ProcessRun.Result down = script("down");
    assertThat(down.exitCode()).as(down.toString()).isZero();
    for (String pid : pids) {
      assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)).as(pid).isFalse();
    }
    ProcessRun.Result unavailable = cli("--timeout", "2s", "get", "greeting");
    assertThat(unavailable.exitCode()).as(unavailable.toString()).isEqualTo(4);

    ProcessRun.Result up = script("up");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    for (String key : acknowledged) {
      GetResponse r = client.get(key);
      assertThat(r.getFound()).as(key).isTrue();
    }
    assertThat(client.get("greeting").getValue().toStringUtf8()).isEqualTo("hello from node 2");
  }
}
