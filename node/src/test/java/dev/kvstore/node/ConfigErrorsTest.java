package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.kvstore.node.audit.AuditSettings;
import dev.kvstore.node.ops.RateLimits;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.PeerList;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A node refuses to start on bad configuration, with one sentence saying what is wrong. */
class ConfigErrorsTest {

  @TempDir
  Path dir;

  private static List<Peer> peers(int... ports) {
    return List.of(new Peer("n1", "127.0.0.1", ports[0]), new Peer("n2", "127.0.0.1", ports[1]),
        new Peer("n3", "127.0.0.1", ports[2]));
  }

  @Test
  void malformedPeerListsAreExplained() {
    assertThatThrownBy(() -> PeerList.parse("")).hasMessageContaining("--peers is empty");
    assertThatThrownBy(() -> PeerList.parse("n1-127.0.0.1:7001")).hasMessageContaining("is not ID=HOST:PORT");
    assertThatThrownBy(() -> PeerList.parse("n1=127.0.0.1")).hasMessageContaining("is not ID=HOST:PORT");
    assertThatThrownBy(() -> PeerList.parse("n1=127.0.0.1:70000")).hasMessageContaining("ports are 1-65535");
    assertThatThrownBy(() -> PeerList.parse("n1=a:1,n1=b:2")).hasMessageContaining("'n1' appears more than once");
    assertThatThrownBy(() -> PeerList.parse("n1=a:1,n2=a:1")).hasMessageContaining("more than one peer");
    assertThatThrownBy(() -> PeerList.parse("n/1=a:1")).hasMessageContaining("peer id 'n/1' is invalid");
    assertThatThrownBy(() -> PeerList.parse("n1=a:1/b:70000")).hasMessageContaining("client port 70000");
    assertThatThrownBy(() -> PeerList.parse("n1=a:1/b")).hasMessageContaining("is not ID=HOST:PORT");
    assertThat(PeerList.parse("n1=127.0.0.1:7001/127.0.0.1:50051,n2=127.0.0.1:7002"))
        .extracting(Peer::address, Peer::clientAddress)
        .containsExactly(tuple("127.0.0.1:7001", "127.0.0.1:50051"), tuple("127.0.0.1:7002", ""));
    assertThat(PeerList.parse("n1=127.0.0.1:7001, n2=[::1]:7002")).extracting(Peer::address)
        .containsExactly("127.0.0.1:7001", "[::1]:7002");
  }

  @Test
  void unknownNodeIdIsRejected() {
    NodeConfig config = NodeConfig.of("n4", peers(7001, 7002, 7003), "127.0.0.1", 50051, dir);
    assertThatThrownBy(() -> KvNode.start(config)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node id 'n4' is not in --peers (n1, n2, n3)");
  }

  @Test
  void clientPortInUseIsReportedBeforeAnythingStarts() throws IOException {
    assertStartNamesTakenPort(3, "client port");
  }

  @Test
  void raftPortInUseIsReported() throws IOException {
    assertStartNamesTakenPort(0, "Raft port");
  }

  @Test
  void metricsPortInUseIsReported() throws IOException {
    assertStartNamesTakenPort(4, "metrics port");
  }

  /** Starts n1 (ports: its Raft port, two peers', client, metrics) while port {@code taken} is in use. */
  private void assertStartNamesTakenPort(int taken, String named) throws IOException {
    List<Integer> ports = FreePorts.take(5);
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(taken)));
      NodeConfig config = NodeConfig.of("n1", peers(ports.get(0), ports.get(1), ports.get(2)), "127.0.0.1",
          ports.get(3), dir.resolve("n1")).withMetricsPort(ports.get(4));
      assertThatThrownBy(() -> KvNode.start(config)).isInstanceOf(IOException.class)
          .hasMessageContaining(named + " " + ports.get(taken) + " on 127.0.0.1 is not available");
    }
  }

  @Test
  void metricsPortMustBeInRangeAndDifferFromTheOthers() {
    NodeConfig config = NodeConfig.of("n1", peers(7001, 7002, 7003), "127.0.0.1", 50051, dir);
    assertThatThrownBy(() -> config.withMetricsPort(50051).validate())
        .hasMessageContaining("metrics port 50051 is also the client port");
    assertThatThrownBy(() -> config.withMetricsPort(7001).validate())
        .hasMessageContaining("metrics port 7001 is also the Raft port");
    assertThatThrownBy(() -> config.withMetricsPort(70000).validate())
        .hasMessageContaining("metrics port 70000 is out of range; ports are 1-65535 (0: no metrics)");
    assertThat(config.withMetricsPort(0).validate().metricsOn()).isFalse();
  }

  @Test
  void theCommandLineServesMetricsOnTheClientPortPlus100UnlessTold() {
    String[] base = {"--node-id", "n1", "--peers", "n1=127.0.0.1:7001", "--client-port", "50061"};
    assertThat(parse(base).metricsPort()).isEqualTo(50161);
    assertThat(parse(concat(base, "--metrics-port", "9100")).metricsPort()).isEqualTo(9100);
    assertThat(parse(concat(base, "--metrics-port", "0")).metricsOn()).isFalse();
    assertThat(parse(concat(base, "--metrics-port", "9100", "--no-metrics")).metricsOn()).isFalse();
  }

  @Test
  void theCommandLineReadsTheRateLimitAndTheAuditLogAndExplainsBadValues() {
    String[] base = {"--node-id", "n1", "--peers", "n1=127.0.0.1:7001"};
    assertThat(parse(base).rateLimits().on()).isFalse();
    assertThat(parse(base).audit().on()).isFalse();
    assertThat(parse(concat(base, "--rate-limit", "50")).rateLimits()).isEqualTo(new RateLimits(50, 100));
    assertThat(parse(concat(base, "--rate-limit", "50", "--rate-limit-burst", "5")).rateLimits())
        .isEqualTo(new RateLimits(50, 5));
    assertThatThrownBy(() -> parse(concat(base, "--rate-limit", "-1"))).hasMessageContaining("--rate-limit is -1");
    assertThatThrownBy(() -> parse(concat(base, "--rate-limit", "5", "--rate-limit-burst", "0")))
        .hasMessageContaining("--rate-limit-burst is 0; with a rate limit it must be at least 1");

    Path file = dir.resolve("audit.log");
    assertThat(parse(concat(base, "--audit-log-file", file.toString(), "--audit-log-max-size", "10MB",
        "--audit-log-max-files", "3")).audit()).isEqualTo(new AuditSettings(file, 10L << 20, 3));
    assertThatThrownBy(() -> parse(concat(base, "--audit-log-max-size", "lots")))
        .hasMessageContaining("--audit-log-max-size 'lots' is not a size; use e.g. 100MB");
    assertThatThrownBy(() -> parse(concat(base, "--audit-log-max-files", "0")))
        .hasMessageContaining("--audit-log-max-files is 0; use 1 to 20");
    assertThatThrownBy(() -> parse(concat(base, "--audit-log-file", dir.toString())))
        .hasMessageContaining("is a directory; give a file path");
  }

  @Test
  void theStorageQuotaTakesBytesOrASize() {
    String[] base = {"--node-id", "n1", "--peers", "n1=127.0.0.1:7001"};
    assertThat(parse(concat(base, "--quota-backend-bytes", "1048576")).raft().quotaBackendBytes()).isEqualTo(1L << 20);
    assertThat(parse(concat(base, "--quota-backend-bytes", "2GB")).raft().quotaBackendBytes()).isEqualTo(2L << 30);
    assertThat(parse(concat(base, "--quota-backend-bytes", "0")).raft().quotaBackendBytes()).isZero();
    assertThatThrownBy(() -> parse(concat(base, "--quota-backend-bytes", "lots")))
        .hasMessageContaining("--quota-backend-bytes 'lots' is not a size");
    assertThatThrownBy(() -> parse(concat(base, "--quota-backend-bytes", "-5")))
        .hasMessageContaining("--quota-backend-bytes is -5");
  }

  private static NodeConfig parse(String... args) {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs(args);
    return command.toConfig();
  }

  private static String[] concat(String[] first, String... more) {
    return Stream.concat(Arrays.stream(first), Arrays.stream(more)).toArray(String[]::new);
  }

  @Test
  void unwritableDataDirectoryIsReported() throws IOException {
    Path readOnly = Files.createDirectory(dir.resolve("ro"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("r-xr-xr-x")));
    // root ignores permissions; a regular file where the directory should be fails for everyone
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    List<Integer> ports = FreePorts.take(4);
    NodeConfig config = NodeConfig.of("n1", peers(ports.get(0), ports.get(1), ports.get(2)), "127.0.0.1",
        ports.get(3), file);
    assertThatThrownBy(() -> KvNode.start(config)).isInstanceOf(IOException.class)
        .hasMessageContaining("data directory " + file);
    if (!"root".equals(System.getProperty("user.name"))) {
      NodeConfig ro = NodeConfig.of("n1", peers(ports.get(0), ports.get(1), ports.get(2)), "127.0.0.1",
          ports.get(3), readOnly.resolve("sub"));
      assertThatThrownBy(() -> KvNode.start(ro)).hasMessageContaining("cannot be created");
    }
  }

  @Test
  void theCommandLineReportsConfigurationErrorsWithExitCode2() {
    CommandLine cli = NodeCommand.commandLine();
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setErr(new java.io.PrintWriter(err));
    int code = cli.execute("--node-id", "n9", "--peers", "n1=127.0.0.1:7001", "--data-dir", dir.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("node id 'n9' is not in --peers (n1)");
    assertThat(NodeCommand.commandLine().execute("--node-id", "n1")).isEqualTo(2);
  }

  @Test
  void durationsAcceptUnitsAndIso8601() {
    var converter = new NodeCommand.DurationConverter();
    assertThat(converter.convert("500ms")).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(converter.convert("1.5s")).isEqualTo(java.time.Duration.ofMillis(1500));
    assertThat(converter.convert("2m")).isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(converter.convert("1h")).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(converter.convert("PT5S")).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThatThrownBy(() -> converter.convert("5 seconds")).hasMessageContaining("is not a duration");
  }
}
