package dev.kvstore.node.security;

import java.nio.file.Path;

/**
 * TLS on Raft traffic between nodes. Off when all three files are null; on, peers always
 * authenticate each other (mTLS): a node accepts a peer only with a certificate from
 * {@link #trustedCaFile}, and checks that the certificate names the host it connected to (the host
 * in {@code --peers}). PEM files, as etcd's {@code --peer-cert-file --peer-key-file --peer-trusted-ca-file}.
 *
 * @param certFile      the node's certificate chain, used as server and as client ({@code --peer-cert-file})
 * @param keyFile       its private key ({@code --peer-key-file})
 * @param trustedCaFile the CAs of the cluster's peers ({@code --peer-trusted-ca-file})
 */
public record PeerTls(Path certFile, Path keyFile, Path trustedCaFile) {

  /** Plaintext Raft traffic. */
  public static final PeerTls OFF = new PeerTls(null, null, null);

  public boolean on() {
    return certFile != null;
  }

  /**
   * Checks that all three files are given, or none, and that each is readable.
   *
   * @throws IllegalArgumentException naming the flag and the file
   */
  public void validate() {
    PemFiles.checkPair("--peer-cert-file", certFile, "--peer-key-file", keyFile);
    if (on() != (trustedCaFile != null)) {
      throw new IllegalArgumentException(on()
          ? "--peer-cert-file needs --peer-trusted-ca-file: peers always check each other's certificates"
          : "--peer-trusted-ca-file needs --peer-cert-file and --peer-key-file");
    }
    PemFiles.checkReadable("--peer-cert-file", certFile);
    PemFiles.checkReadable("--peer-key-file", keyFile);
    PemFiles.checkReadable("--peer-trusted-ca-file", trustedCaFile);
  }
}
