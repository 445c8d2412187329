package dev.kvstore.failover;

import dev.kvstore.client.KvClient;
import dev.kvstore.client.TlsFiles;
import java.util.List;

/**
 * How the suite's clients reach the cluster: plaintext, or TLS (with a client certificate when the
 * nodes require one) and signed in as a user when authentication is on. Every client of a run (the
 * workloads, the watchers, the observer, the replay) is built from one of these.
 *
 * @param tls      the CA and client certificate, or null: plaintext
 * @param user     the user to sign in as, or null: no sign-in
 * @param password the user's password (null without a user)
 */
record ClientAccess(TlsFiles tls, String user, String password) {

  /** Plaintext, no sign-in: the plain suite's clusters. */
  static final ClientAccess PLAINTEXT = new ClientAccess(null, null, null);

  /** A builder for {@code endpoints} with this TLS and sign-in. */
  KvClient.Builder builder(List<String> endpoints) {
    KvClient.Builder builder = KvClient.builder().endpoints(endpoints).tls(tls);
    if (user != null) {
      builder.credentials(user, password);
    }
    return builder;
  }

  /**
   * The same TLS files without a password sign-in: the client certificate's common name is the
   * identity (mTLS). For a client of a node that is down: one with a password signs in when it is
   * built, which fails when no endpoint answers.
   */
  ClientAccess certificateOnly() {
    return new ClientAccess(tls, null, null);
  }
}
