package dev.kvstore.node.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

/** The start-up checks of the TLS flags' files: one sentence naming the flag and the file. */
final class PemFiles {

  private PemFiles() {}

  /** A certificate without its key, or a key without its certificate, is refused. */
  static void checkPair(String certFlag, Path cert, String keyFlag, Path key) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(cert == null
          ? keyFlag + " needs " + certFlag + ": give the certificate and its key together"
          : certFlag + " needs " + keyFlag + ": give the certificate and its key together");
    }
  }

  static void checkReadable(String flag, Path file) {
    if (file == null) {
      return;
    }
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(flag + " " + file + " does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not a readable file");
    }
  }

  /**
   * Reads a PEM file of certificates, so that a file that is not one is reported before anything
   * starts, naming the flag.
   */
  static void checkCertificates(String flag, Path file) {
    X509Certificate[] certificates;
    try (InputStream in = Files.newInputStream(file)) {
      certificates = CertificateUtils.getX509Certificates(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate (" + e.getMessage() + ")", e);
    }
    if (certificates.length == 0) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate");
    }
  }

  /** Reads a PEM private key (PKCS#8 "PRIVATE KEY", or PKCS#1 "RSA PRIVATE KEY"), naming the flag if it is not one. */
  static void checkPrivateKey(String flag, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM private key; give one as PKCS#8"
          + " (BEGIN PRIVATE KEY) or PKCS#1 (BEGIN RSA PRIVATE KEY) (" + e.getMessage() + ")", e);
    }
  }
}
