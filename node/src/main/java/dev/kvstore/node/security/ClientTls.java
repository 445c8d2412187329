package dev.kvstore.node.security;

import java.nio.file.Path;

/**
 * TLS on the client-facing gRPC port (the KvStore, Watch, Lease, Maintenance, health and
 * reflection services share it). Off when {@link #certFile} is null. PEM files, as etcd's
 * {@code --cert-file --key-file --trusted-ca-file --client-cert-auth}.
 *
 * @param certFile           the node's certificate chain for clients ({@code --client-cert-file}), or null
 * @param keyFile            its private key, PKCS#8 or PKCS#1 ({@code --client-key-file}), or null
 * @param trustedCaFile      CAs whose client certificates are accepted ({@code --client-trusted-ca-file});
 *                           null: clients present no certificate
 * @param clientCertRequired true: a client without a certificate from {@code trustedCaFile} is refused
 *                           during the handshake ({@code --client-cert-auth}, mTLS); false: a
 *                           certificate is verified when a client presents one
 */
public record ClientTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertRequired) {

  /** Plaintext client traffic. */
  public static final ClientTls OFF = new ClientTls(null, null, null, false);

  /** TLS with the node's certificate; clients are not asked for one. */
  public static ClientTls serverOnly(Path certFile, Path keyFile) {
    return new ClientTls(certFile, keyFile, null, false);
  }

  /** TLS with client certificates from {@code trustedCaFile} required (mTLS). */
  public static ClientTls mutual(Path certFile, Path keyFile, Path trustedCaFile) {
    return new ClientTls(certFile, keyFile, trustedCaFile, true);
  }

  public boolean on() {
    return certFile != null;
  }

  /**
   * Checks that the flags go together and every file given is readable.
   *
   * @throws IllegalArgumentException naming the flag and the file
   */
  public void validate() {
    PemFiles.checkPair("--client-cert-file", certFile, "--client-key-file", keyFile);
    if (!on() && trustedCaFile != null) {
      throw new IllegalArgumentException("--client-trusted-ca-file needs --client-cert-file and --client-key-file:"
          + " client certificates are only checked on a TLS port");
    }
    if (clientCertRequired && trustedCaFile == null) {
      throw new IllegalArgumentException("--client-cert-auth needs --client-trusted-ca-file: the CA that signs the"
          + " client certificates to accept");
    }
    PemFiles.checkReadable("--client-cert-file", certFile);
    PemFiles.checkReadable("--client-key-file", keyFile);
    PemFiles.checkReadable("--client-trusted-ca-file", trustedCaFile);
  }
}
