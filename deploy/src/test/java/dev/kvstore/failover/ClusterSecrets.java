package dev.kvstore.failover;

import dev.kvstore.client.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The secrets of a cluster with TLS and authentication, as the compose cluster gets them
 * (docker-compose.secure.yml): the certificates and keys {@code deploy/make-certs.sh} makes (CA
 * {@code ca.pem}; nodes {@code nN.pem}, which name {@code raft-nN} and 127.0.0.1; clients
 * {@code root.pem}, {@code alice.pem}; an untrusted CA's {@code other-client.pem}) and a random
 * password for root in {@code root-password}, which the nodes read once with
 * {@code --initial-root-password-file}.
 */
final class ClusterSecrets {

  private final Path dir;
  private final String rootPassword;

  private ClusterSecrets(Path dir, String rootPassword) {
    this.dir = dir;
    this.rootPassword = rootPassword;
  }

  /** Makes the certificates in {@code dir} with {@code deployDir/make-certs.sh} and a random root password. */
  static ClusterSecrets make(Path deployDir, Path dir) {
    List<String> command = List.of(deployDir.resolve("make-certs.sh").toString(), dir.toString());
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("make-certs.sh failed: " + String.join(" ", command) + "\n" + output);
      }
      byte[] random = new byte[12];
      new SecureRandom().nextBytes(random);
      String password = HexFormat.of().formatHex(random);
      Files.writeString(dir.resolve("root-password"), password + "\n");
      return new ClusterSecrets(dir, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while making certificates", e);
    }
  }

  /** A file of the set, e.g. {@code ca.pem}, {@code n1-key.pem}, {@code root-password}. */
  Path file(String name) {
    return dir.resolve(name);
  }

  /** root over mTLS with root's certificate, signed in with its password. */
  ClientAccess root() {
    return user("root", rootPassword);
  }

  /** {@code name} over mTLS with the client certificate {@code name.pem}, signed in with {@code password}. */
  ClientAccess user(String name, String password) {
    return new ClientAccess(tls(name), name, password);
  }

  /** TLS with the certificate of {@code client}: {@code client.pem} and {@code client-key.pem}. */
  TlsFiles tls(String client) {
    return new TlsFiles(file("ca.pem"), file(client + ".pem"), file(client + "-key.pem"));
  }
}
