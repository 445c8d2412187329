package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.security.ClientTls;
import dev.kvstore.node.security.PeerTls;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A node refuses to start on bad TLS flags or files, naming the flag and the file. */
class TlsConfigErrorsTest {

  @TempDir
  static Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void makeCertificates() {
    certs = TestCertificates.make(dir.resolve("certs"));
  }

  private static NodeConfig config() {
    List<Integer> ports = FreePorts.take(2);
    return NodeConfig.of("n1", List.of(new Peer("n1", "127.0.0.1", ports.get(0))), "127.0.0.1", ports.get(1),
        dir.resolve("data"));
  }

  private static NodeConfig withClient(ClientTls tls) {
    NodeConfig config = config();
    return config.withTls(config.tls().withClient(tls));
  }

  @Test
  void aMissingKeyFileIsNamedWithItsFlag() {
    Path missing = dir.resolve("missing-key.pem");
    assertThatThrownBy(() -> KvNode.start(withClient(ClientTls.serverOnly(certs.cert("n1"), missing))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--client-key-file " + missing + " does not exist");
  }

  @Test
  void aFileThatIsNotPemIsNamedWithItsFlag() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    assertThatThrownBy(() -> KvNode.start(withClient(ClientTls.serverOnly(garbage, certs.key("n1")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--client-cert-file " + garbage + " holds no PEM certificate");
    NodeConfig config = config();
    assertThatThrownBy(() -> KvNode.start(config.withTls(config.tls()
        .withPeer(new PeerTls(certs.cert("n1"), certs.cert("n1"), certs.ca())))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--peer-key-file " + certs.cert("n1") + " holds no PEM private key");
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() {
    assertThatThrownBy(() -> KvNode.start(withClient(ClientTls.serverOnly(certs.cert("n1"), certs.key("n2")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--client-key-file " + certs.key("n2") + " is not the key of --client-cert-file " + certs.cert("n1"));
  }

  @Test
  void halfPairsAndCertAuthWithoutCaAreRefused() {
    assertThatThrownBy(() -> withClient(new ClientTls(certs.cert("n1"), null, null, false)).validate())
        .hasMessage("--client-cert-file needs --client-key-file: give the certificate and its key together");
    assertThatThrownBy(() -> withClient(new ClientTls(certs.cert("n1"), certs.key("n1"), null, true)).validate())
        .hasMessageStartingWith("--client-cert-auth needs --client-trusted-ca-file");
    assertThatThrownBy(() -> withClient(new ClientTls(null, null, certs.ca(), false)).validate())
        .hasMessageStartingWith("--client-trusted-ca-file needs --client-cert-file and --client-key-file");
    NodeConfig config = config();
    assertThatThrownBy(() -> config.withTls(config.tls()
        .withPeer(new PeerTls(certs.cert("n1"), certs.key("n1"), null))).validate())
        .hasMessageStartingWith("--peer-cert-file needs --peer-trusted-ca-file");
  }

  @Test
  void theCommandLineExitsWith2AndNamesTheFile() {
    Path missing = dir.resolve("no-ca.pem");
    List<Integer> ports = FreePorts.take(2);
    CommandLine cli = NodeCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("--node-id", "n1", "--peers", "n1=127.0.0.1:" + ports.get(0),
        "--client-port", String.valueOf(ports.get(1)), "--data-dir", dir.resolve("cli").toString(), "--no-metrics",
        "--peer-cert-file", certs.cert("n1").toString(), "--peer-key-file", certs.key("n1").toString(),
        "--peer-trusted-ca-file", missing.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--peer-trusted-ca-file " + missing + " does not exist");
  }
}
