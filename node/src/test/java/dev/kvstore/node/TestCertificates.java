package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.node.security.ClientTls;
import dev.kvstore.node.security.PeerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made by the project's own {@code deploy/make-certs.sh} (so the tests
 * also check what the script makes): a CA, n1..n3 (names 127.0.0.1 and localhost), clients root and
 * alice, and other-client from a CA nobody trusts. Needs {@code openssl}.
 */
public record TestCertificates(Path dir) {

  public static TestCertificates make(Path dir) {
    Path script = script();
    try {
      Process process = new ProcessBuilder("bash", script.toString(), dir.toString()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("make-certs.sh finished").isTrue();
      assertThat(process.exitValue()).as("make-certs.sh failed: %s", output).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new TestCertificates(dir);
  }

  private static Path script() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("deploy/make-certs.sh");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("deploy/make-certs.sh not found above " + Path.of("").toAbsolutePath());
  }

  public Path ca() {
    return dir.resolve("ca.pem");
  }

  public Path otherCa() {
    return dir.resolve("other-ca.pem");
  }

  public Path cert(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path key(String name) {
    return dir.resolve(name + "-key.pem");
  }

  /** Node {@code id}'s certificate on the client port, client certificates from the CA required. */
  ClientTls mutualClientTls(String id) {
    return ClientTls.mutual(cert(id), key(id), ca());
  }

  PeerTls peerTls(String id) {
    return new PeerTls(cert(id), key(id), ca());
  }
}
