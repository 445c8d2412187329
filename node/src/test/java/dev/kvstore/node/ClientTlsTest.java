package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.WatchResponse;
import dev.kvstore.cli.CliEnvironment;
import dev.kvstore.cli.KvCli;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with client TLS and required client certificates (mTLS), and the clients it lets in or
 * refuses. Every refusal ends the call at once (not at its request timeout) with a message saying
 * what to do.
 */
class ClientTlsTest {

  @TempDir
  static Path dir;
  static TestCertificates certs;
  static TestCluster cluster;
  static TestCluster plain;

  @BeforeAll
  static void start() {
    certs = TestCertificates.make(dir.resolve("certs"));
    cluster = TestCluster.start(1, dir.resolve("tls"),
        config -> config.withTls(config.tls().withClient(certs.mutualClientTls(config.nodeId()))));
    cluster.awaitLeader();
    plain = TestCluster.start(1, dir.resolve("plain"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (plain != null) {
      plain.close();
    }
  }

  /** A long request timeout: a refusal that retried until it ran out would make the test slow as well as fail. */
  private static KvClient.Builder client(TestCluster target) {
    return KvClient.builder().endpoints(target.endpoints()).requestTimeout(Duration.ofSeconds(30));
  }

  @Test
  void clientWithTheCaAndACertificateCanPutGetAndWatch() throws InterruptedException {
    try (KvClient kv = client(cluster).tls(certs.ca(), certs.cert("alice"), certs.key("alice")).build()) {
      List<WatchResponse> events = new CopyOnWriteArrayList<>();
      List<KvClientException> errors = new CopyOnWriteArrayList<>();
      try (WatchSubscription watch = kv.watch(WatchOptions.forPrefix("tls/"),
          WatchListener.of(events::add, errors::add))) {
        // A watch from now misses a put made before it is registered.
        assertThat(watch.awaitCreated(Duration.ofSeconds(10))).isTrue();
        kv.put("tls/k", "v");
        assertThat(kv.get("tls/k").getValue().toStringUtf8()).isEqualTo("v");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.getKey().equals("tls/k")));
      }
      assertThat(errors).isEmpty();
    }
  }

  @Test
  void clientWithoutCertificateIsRefused() {
    try (KvClient kv = client(cluster).tls(certs.ca()).build()) {
      assertRefusedPromptly(() -> kv.get("k"), "requires a client certificate", "pass --cert and --key");
    }
  }

  @Test
  void clientCertificateFromAnotherCaIsRefused() {
    try (KvClient kv = client(cluster).tls(certs.ca(), certs.cert("other-client"), certs.key("other-client")).build()) {
      assertRefusedPromptly(() -> kv.put("k", "v"), "requires a client certificate signed by a CA it trusts");
    }
  }

  @Test
  void serverCertificateFromAnUntrustedCaIsRefused() {
    try (KvClient kv = client(cluster).tls(certs.otherCa(), certs.cert("alice"), certs.key("alice")).build()) {
      assertRefusedPromptly(() -> kv.get("k"), "has a certificate that --cacert does not trust");
    }
  }

  @Test
  void plaintextClientToTheTlsPortIsToldToUseTls() {
    try (KvClient kv = client(cluster).build()) {
      assertRefusedPromptly(() -> kv.get("k"), cluster.endpoint("n1") + " UNAVAILABLE (closed the connection before"
          + " answering: it may require TLS; pass --cacert");
    }
  }

  @Test
  void tlsClientToAPlaintextPortIsToldToDropTls() {
    try (KvClient kv = client(plain).tls(certs.ca(), certs.cert("alice"), certs.key("alice")).build()) {
      assertRefusedPromptly(() -> kv.get("k"), plain.endpoint("n1") + " UNAVAILABLE (did not complete a TLS"
          + " handshake: it answered in plaintext; is it serving plaintext? drop --cacert");
    }
  }

  @Test
  void theCliSpeaksTlsWithCacertCertAndKey() {
    String[] tls = {"--endpoints", cluster.endpoint("n1"), "--cacert", certs.ca().toString(),
        "--cert", certs.cert("root").toString(), "--key", certs.key("root").toString()};
    assertThat(cli(concat(tls, "put", "cli-tls", "yes")).exitCode()).isZero();
    CliResult get = cli(concat(tls, "get", "cli-tls"));
    assertThat(get.exitCode()).isZero();
    assertThat(get.out()).contains("yes");
    CliResult plaintext = cli("--endpoints", cluster.endpoint("n1"), "get", "cli-tls");
    assertThat(plaintext.exitCode()).isEqualTo(4);
    assertThat(plaintext.err()).contains("it may require TLS; pass --cacert");
  }

  private record CliResult(int exitCode, String out, String err) {}

  private static CliResult cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment environment = new CliEnvironment(new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), false);
    int code = KvCli.commandLine(environment, args).execute(args);
    return new CliResult(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private static String[] concat(String[] first, String... rest) {
    return Stream.concat(Arrays.stream(first), Arrays.stream(rest))
        .toArray(String[]::new);
  }

  @Test
  void missingCaFileIsNamedWhenTheClientIsBuilt() {
    Path missing = dir.resolve("nope.pem");
    assertThatThrownBy(() -> client(cluster).tls(missing).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CA certificate file (--cacert) " + missing + " does not exist");
  }

  /**
   * The call ended on the refusal itself ("Get failed: ..."), not at its request timeout ("no
   * endpoint answered within 30s"), and says what to do.
   */
  private static void assertRefusedPromptly(ThrowingCallable call, String... says) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KvClientException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getMessage()).matches("(Get|Put) failed: .*").contains(says);
    });
  }
}
