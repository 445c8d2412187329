package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.client.KvClient;
import dev.kvstore.node.security.ClientTls;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's client certificate replaced on disk is served to new connections without a restart. */
class TlsReloadTest {

  @TempDir
  Path dir;

  @Test
  void aReplacedCertificateIsServedToNewConnectionsAfterTheReloadPeriod() throws Exception {
    TestCertificates certs = TestCertificates.make(dir.resolve("certs"));
    Path cert = dir.resolve("served.pem");
    Path key = dir.resolve("served-key.pem");
    Files.copy(certs.cert("n1"), cert);
    Files.copy(certs.key("n1"), key);
    try (TestCluster cluster = TestCluster.start(1, dir.resolve("cluster"), config -> config.withTls(
        config.tls().withClient(ClientTls.serverOnly(cert, key)).withReloadPeriod(Duration.ofMillis(100))))) {
      int port = cluster.config("n1").clientPort();
      assertThat(servedCommonName(certs.ca(), port)).isEqualTo("CN=n1");

      // Both files replaced (grpc takes a new pair once both have a new modification time).
      replace(certs.key("n2"), key);
      replace(certs.cert("n2"), cert);
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> servedCommonName(certs.ca(), port).equals("CN=n2"));

      // And the client API still works over the new certificate.
      try (KvClient kv = KvClient.builder().endpoints(cluster.endpoints()).tls(certs.ca()).build()) {
        cluster.awaitLeader();
        kv.put("k", "v");
      }
    }
  }

  /** Copies {@code from} over {@code to} with a modification time surely different from the old one. */
  private static void replace(Path from, Path to) throws IOException {
    Path staged = to.resolveSibling(to.getFileName() + ".new");
    Files.copy(from, staged, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(staged, FileTime.from(Instant.now().plusSeconds(10)));
    Files.move(staged, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The subject of the certificate a new TLS connection to 127.0.0.1:{@code port} is shown. */
  private static String servedCommonName(Path caFile, int port) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (var in = Files.newInputStream(caFile)) {
      trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(5_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }
}
