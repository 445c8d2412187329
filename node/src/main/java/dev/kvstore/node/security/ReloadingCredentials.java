package dev.kvstore.node.security;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A certificate with its key, and optionally the CAs to trust, read from PEM files and read again
 * every period by grpc's {@link AdvancedTlsX509KeyManager} and {@link AdvancedTlsX509TrustManager}.
 * Both are plain JDK key and trust managers, so the same instances serve the client port (grpc's
 * Netty) and Raft (Ratis's relocated Netty). A new certificate and key are taken once both files
 * have a new modification time (replace both); a file that cannot be read then is logged by grpc
 * and the previous credentials stay in use. Trusted certificates are checked by the JDK's PKIX
 * validation; a client also checks that the server's certificate names the host it connected to.
 */
final class ReloadingCredentials implements AutoCloseable {

  private final X509ExtendedKeyManager keyManager;
  private final X509ExtendedTrustManager trustManager;
  private final List<Closeable> reloads;

  private ReloadingCredentials(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager,
      List<Closeable> reloads) {
    this.keyManager = keyManager;
    this.trustManager = trustManager;
    this.reloads = reloads;
  }

  /**
   * Reads the files now (their flags name them in errors) and schedules the re-reads on {@code scheduler}.
   *
   * @param trustedCaFile null: no trust manager ({@link #trustManager()} is null)
   * @param flags         the flags of the three files, for messages: cert, key, CA
   * @throws IllegalArgumentException when a file is missing, unreadable or not PEM of the right kind
   */
  static ReloadingCredentials load(Path certFile, Path keyFile, Path trustedCaFile, String[] flags, Duration period,
      ScheduledExecutorService scheduler) {
    PemFiles.checkCertificates(flags[0], certFile);
    PemFiles.checkPrivateKey(flags[1], keyFile);
    if (trustedCaFile != null) {
      PemFiles.checkCertificates(flags[2], trustedCaFile);
    }
    List<Closeable> reloads = new ArrayList<>();
    long periodMs = Math.max(1, period.toMillis());
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      reloads.add(keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile(), periodMs, TimeUnit.MILLISECONDS,
          scheduler));
      AdvancedTlsX509TrustManager trust = null;
      if (trustedCaFile != null) {
        // Checks the certificate chain, and, when this side is the client, the host name the peer's
        // certificate names (a server-side check of a client has no host name to compare).
        trust = AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
            .build();
        reloads.add(trust.updateTrustCredentials(trustedCaFile.toFile(), periodMs, TimeUnit.MILLISECONDS, scheduler));
      }
      return new ReloadingCredentials(keys, trust, reloads);
    } catch (IOException | GeneralSecurityException e) {
      closeAll(reloads);
      throw new IllegalArgumentException(flags[0] + " " + certFile + ", " + flags[1] + " " + keyFile
          + (trustedCaFile == null ? "" : ", " + flags[2] + " " + trustedCaFile) + ": cannot be used: " + e.getMessage(),
          e);
    }
  }

  X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Null when no trusted CA file was given. */
  X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** Stops the re-reads. */
  @Override
  public void close() {
    closeAll(reloads);
  }

  private static void closeAll(List<Closeable> reloads) {
    for (Closeable reload : reloads) {
      try {
        reload.close();
      } catch (IOException ignored) {
        // grpc's reload handles only cancel a scheduled task
      }
    }
  }
}
