package dev.kvstore.node.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/** Reads and checks the PEM files of the TLS flags; every error is one sentence naming the flag and the file. */
final class PemFiles {

  private static final byte[] PROBE = "kvstore key check".getBytes(StandardCharsets.US_ASCII);

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

  /** The certificates of a PEM file (a chain: the node's first). */
  static X509Certificate[] readCertificates(String flag, Path file) {
    checkReadable(flag, file);
    X509Certificate[] certificates;
    try (InputStream in = Files.newInputStream(file)) {
      certificates = CertificateUtils.getX509Certificates(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate (" + e.getMessage() + ")", e);
    }
    if (certificates.length == 0) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate");
    }
    return certificates;
  }

  /** A PEM private key: PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"), RSA or EC. */
  static PrivateKey readPrivateKey(String flag, Path file) {
    checkReadable(flag, file);
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(flag + " " + file + " holds no PEM private key; give one as PKCS#8"
          + " (BEGIN PRIVATE KEY) or PKCS#1 (BEGIN RSA PRIVATE KEY) (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Checks that {@code key} belongs to the first certificate, by signing with one and verifying with
   * the other: a mismatched pair would fail every handshake instead.
   */
  static void checkMatch(String certFlag, Path cert, X509Certificate certificate, String keyFlag, Path key,
      PrivateKey privateKey) {
    String algorithm = switch (privateKey.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null) {
      return; // another kind of key (Ed25519, say): the handshake will tell
    }
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(PROBE);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(keyFlag + " " + key + " is not the key of " + certFlag + " " + cert);
    }
  }
}
