package dev.kvstore.node.security;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate with its key, and optionally the CAs to trust, read from PEM files and read again
 * when the files change, into grpc's {@link AdvancedTlsX509KeyManager} and
 * {@link AdvancedTlsX509TrustManager}: plain JDK key and trust managers that swap their contents
 * in place, so the same instances serve the client port (grpc's Netty) and Raft (Ratis's relocated
 * Netty), and every new handshake uses the newest files.
 *
 * <p>The files are checked every period (their modification times); grpc's own periodic reload
 * allows no period under a minute and takes a new pair only when both files changed. Here a
 * replaced certificate is taken once a key that matches it is there (the key may be replaced
 * before or after it, or not at all for a renewal with the same key); files that cannot be read or
 * do not match are logged once and the previous credentials stay in use. Trust checks are the
 * JDK's PKIX validation; the side that connects also checks that the certificate names the host it
 * connected to (the side that accepts has no host name to compare).
 */
final class ReloadingCredentials implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReloadingCredentials.class);

  /** The three flags, for messages. */
  record Flags(String cert, String key, String trustedCa) {}

  private final Path certFile;
  private final Path keyFile;
  private final Path trustedCaFile;
  private final Flags flags;
  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trustManager;
  /** Modification times last seen (taken or refused), so each change is tried and logged once. */
  private FileTime certSeen;
  private FileTime keySeen;
  private FileTime caSeen;
  private ScheduledFuture<?> checks;

  private ReloadingCredentials(Path certFile, Path keyFile, Path trustedCaFile, Flags flags) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.trustedCaFile = trustedCaFile;
    this.flags = flags;
    try {
      this.trustManager = trustedCaFile == null ? null : AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
          .build();
    } catch (CertificateException e) {
      throw new IllegalStateException("grpc's trust manager cannot be made", e);
    }
  }

  /**
   * Reads the files now and checks them for changes every {@code period} on {@code scheduler}.
   *
   * @param trustedCaFile null: no trust manager ({@link #trustManager()} is null)
   * @throws IllegalArgumentException when a file is missing, unreadable, not PEM of the right kind,
   *                                  or the key is not the certificate's, naming its flag
   */
  static ReloadingCredentials load(Path certFile, Path keyFile, Path trustedCaFile, Flags flags, Duration period,
      ScheduledExecutorService scheduler) {
    ReloadingCredentials credentials = new ReloadingCredentials(certFile, keyFile, trustedCaFile, flags);
    credentials.takePair(modified(certFile), modified(keyFile));
    if (trustedCaFile != null) {
      credentials.takeTrust(modified(trustedCaFile));
    }
    long periodMs = Math.max(1, period.toMillis());
    credentials.checks = scheduler.scheduleWithFixedDelay(credentials::reloadChanged, periodMs, periodMs,
        TimeUnit.MILLISECONDS);
    return credentials;
  }

  X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Null when no trusted CA file was given. */
  X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** Runs on the scheduler only. */
  private void reloadChanged() {
    try {
      FileTime cert = modified(certFile);
      FileTime key = modified(keyFile);
      if (!Objects.equals(cert, certSeen) || !Objects.equals(key, keySeen)) {
        X509Certificate taken = takePair(cert, key);
        LOG.info("reloaded {} {}: subject {}, valid until {}", flags.cert(), certFile,
            taken.getSubjectX500Principal().getName(), taken.getNotAfter().toInstant());
      }
    } catch (RuntimeException e) {
      LOG.warn("not reloading {} {}: {}; still using the previous certificate", flags.cert(), certFile, e.getMessage());
    }
    if (trustedCaFile == null) {
      return;
    }
    try {
      FileTime ca = modified(trustedCaFile);
      if (!Objects.equals(ca, caSeen)) {
        takeTrust(ca);
        LOG.info("reloaded {} {}", flags.trustedCa(), trustedCaFile);
      }
    } catch (RuntimeException e) {
      LOG.warn("not reloading {} {}: {}; still trusting the previous CAs", flags.trustedCa(), trustedCaFile,
          e.getMessage());
    }
  }

  /** @return the certificate taken */
  private X509Certificate takePair(FileTime certTime, FileTime keyTime) {
    certSeen = certTime;
    keySeen = keyTime;
    X509Certificate[] chain = PemFiles.readCertificates(flags.cert(), certFile);
    PrivateKey key = PemFiles.readPrivateKey(flags.key(), keyFile);
    PemFiles.checkMatch(flags.cert(), certFile, chain[0], flags.key(), keyFile, key);
    keyManager.updateIdentityCredentials(chain, key);
    return chain[0];
  }

  private void takeTrust(FileTime caTime) {
    caSeen = caTime;
    X509Certificate[] cas = PemFiles.readCertificates(flags.trustedCa(), trustedCaFile);
    try {
      trustManager.updateTrustCredentials(cas);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(flags.trustedCa() + " " + trustedCaFile + " cannot be used: " + e.getMessage(),
          e);
    }
  }

  /** The file's modification time; null when it cannot be read (the read that follows says why). */
  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  /** Stops the checks. */
  @Override
  public void close() {
    if (checks != null) {
      checks.cancel(false);
    }
  }
}
