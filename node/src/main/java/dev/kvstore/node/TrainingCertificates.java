package dev.kvstore.node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away certificates for {@link ClassArchiveTraining}'s TLS round, made with the JDK's own
 * {@code keytool} (the image has no openssl, and no shell to run {@code deploy/make-certs.sh}):
 * a CA, a node certificate for 127.0.0.1 and localhost, and the client certificate of the user
 * {@code root}, all EC P-256 as make-certs.sh makes them, written as the PEM files the node's TLS
 * flags take. They live in the training's temporary folder and are deleted with it: none reaches
 * the image.
 *
 * @param dir where the PEM files are: {@code ca.pem}, {@code node.pem}, {@code node-key.pem},
 *            {@code root.pem}, {@code root-key.pem}
 */
record TrainingCertificates(Path dir) {

  private static final String PASSWORD = "training";
  private static final long KEYTOOL_WAIT_SECONDS = 60;

  /** Makes the certificates in {@code dir} (created); a keytool failure is an IOException with its output. */
  static TrainingCertificates make(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path ca = dir.resolve("ca.p12");
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=training-ca",
        "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString());
    keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", "ca.pem");
    signed(dir, ca, "node", "CN=training-node", "san=ip:127.0.0.1,dns:localhost", "eku=serverAuth,clientAuth");
    signed(dir, ca, "root", "CN=root", null, "eku=clientAuth");
    return new TrainingCertificates(dir);
  }

  Path ca() {
    return dir.resolve("ca.pem");
  }

  Path cert(String name) {
    return dir.resolve(name + ".pem");
  }

  Path key(String name) {
    return dir.resolve(name + "-key.pem");
  }

  /** A key pair in NAME.p12, its certificate signed by the CA in NAME.pem, its key in NAME-key.pem (PKCS#8). */
  private static void signed(Path dir, Path ca, String name, String subject, String san, String eku)
      throws IOException, InterruptedException {
    Path store = dir.resolve(name + ".p12");
    keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
        "-validity", "2", "-keystore", store.toString());
    keytool(dir, "-certreq", "-alias", name, "-keystore", store.toString(), "-file", name + ".csr");
    List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(),
        "-infile", name + ".csr", "-outfile", name + ".pem", "-validity", "2", "-ext", eku));
    if (san != null) {
      sign.addAll(List.of("-ext", san));
    }
    keytool(dir, sign.toArray(String[]::new));
    Files.writeString(dir.resolve(name + "-key.pem"), pkcs8(store, name), StandardCharsets.US_ASCII);
  }

  private static String pkcs8(Path store, String alias) throws IOException {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, PASSWORD.toCharArray());
      PrivateKey key = (PrivateKey) keys.getKey(alias, PASSWORD.toCharArray());
      return "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the training key " + alias + " from " + store + ": " + e.getMessage(), e);
    }
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    // PKCS12 keeps each key under the store's password.
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(KEYTOOL_WAIT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("keytool " + args[0] + " did not finish within " + KEYTOOL_WAIT_SECONDS + " s");
    }
    if (process.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed (exit " + process.exitValue() + "): "
          + output.strip());
    }
  }
}
