package dev.kvstore.client;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The PEM files the client speaks TLS to the nodes with: the CA certificates it trusts (PEM), and for nodes that
 * require client certificates (mTLS) its own certificate and key (PEM, PKCS#8). The client checks
 * that a node's certificate names the host of its endpoint (a DNS name or an IP address in the
 * certificate's subject alternative names). TLS 1.3 and 1.2 only.
 *
 * @param trustedCaFile CA certificates that sign the nodes' certificates ({@code --cacert})
 * @param certFile      the client's certificate ({@code --cert}), or null: none presented
 * @param keyFile       its private key ({@code --key}), or null
 */
public record TlsFiles(Path trustedCaFile, Path certFile, Path keyFile) {

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** @throws IllegalArgumentException when only one of {@code certFile} and {@code keyFile} is given */
  public TlsFiles {
    Objects.requireNonNull(trustedCaFile, "trustedCaFile");
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(certFile == null
          ? "a client key needs its certificate: give --cert with --key"
          : "a client certificate needs its key: give --key with --cert");
    }
  }

  /** Whether the client presents a certificate. */
  public boolean mutual() {
    return certFile != null;
  }

  /**
   * The Netty context for channels to the nodes.
   *
   * @throws IllegalArgumentException naming the file that is missing or holds no usable PEM
   */
  SslContext sslContext() {
    readable(trustedCaFile, "CA certificate file (--cacert)");
    SslContextBuilder builder = GrpcSslContexts.forClient().protocols(PROTOCOLS);
    try {
      builder.trustManager(trustedCaFile.toFile());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("CA certificate file (--cacert) " + trustedCaFile + " holds no PEM"
          + " certificate: " + e.getMessage(), e);
    }
    if (mutual()) {
      readable(certFile, "client certificate file (--cert)");
      readable(keyFile, "client key file (--key)");
      try {
        builder.keyManager(certFile.toFile(), keyFile.toFile());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("client certificate " + certFile + " or key " + keyFile + " (--cert, --key)"
            + " cannot be used: " + e.getMessage() + "; give a PEM certificate and its PKCS#8 PEM key", e);
      }
    }
    try {
      return builder.build();
    } catch (Exception e) {
      throw new IllegalArgumentException("TLS cannot be set up with " + this + ": " + e.getMessage(), e);
    }
  }

  private static void readable(Path file, String what) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(what + " " + file + (Files.exists(file) ? " is not readable" : " does not exist"));
    }
  }
}
