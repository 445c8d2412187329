package dev.kvstore.client;

import io.grpc.Status;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Optional;

/**
 * Recognises an attempt that failed because the client and the node do not agree on TLS, and says
 * what is wrong and what to do, in words for the CLI's flags ({@code --cacert --cert --key}; in the
 * Java API, {@link KvClient.Builder#tls}). Such a failure repeats on every attempt, so a call that
 * got one from every endpoint ends at once instead of retrying until its timeout.
 */
final class TlsMismatch {

  private TlsMismatch() {}

  /**
   * What went wrong, when {@code status} is a TLS disagreement: a plaintext node answering a TLS
   * client, a TLS node closing a plaintext client's connection, a node certificate the client does
   * not trust, or a client certificate the node refused (or required and did not get).
   *
   * @param clientTls whether this client speaks TLS
   */
  static Optional<String> explain(Status status, boolean clientTls) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return Optional.empty();
    }
    if (!clientTls) {
      // grpc's words for a connection closed before HTTP/2 started, with no error of its own: what
      // a TLS server does with the plaintext bytes of an HTTP/2 preface.
      return status.getCause() == null && "Network closed for unknown reason".equals(status.getDescription())
          ? Optional.of("closed the connection before answering: it may require TLS; pass --cacert (and --cert"
              + " --key if it requires client certificates)")
          : Optional.empty();
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      String name = t.getClass().getSimpleName();
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (name.equals("NotSslRecordException")) {
        return Optional.of("did not complete a TLS handshake: it answered in plaintext; is it serving plaintext?"
            + " drop --cacert --cert --key");
      }
      if (message.contains("CERTIFICATE_REQUIRED")) {
        return Optional.of("requires a client certificate signed by a CA it trusts: pass --cert and --key with"
            + " one from the cluster's CA");
      }
      String upper = message.toUpperCase(Locale.ROOT);
      if (upper.contains("ALERT_BAD_CERTIFICATE") || upper.contains("ALERT_UNKNOWN_CA")
          || upper.contains("ALERT_CERTIFICATE_UNKNOWN") || upper.contains("ALERT_DECRYPT_ERROR")) {
        return Optional.of("refused the client certificate (" + alert(message) + "): pass --cert and --key with"
            + " one from the CA the node trusts");
      }
      if (message.contains("subject alternative") || message.contains("No name matching")) {
        return Optional.of("has a certificate that does not name this host (" + message + "); connect by a name"
            + " its certificate has, or give it one that names this host");
      }
      if (t instanceof CertPathValidatorException || message.contains("PKIX")
          || message.contains("unable to find valid certification path")) {
        return Optional.of("has a certificate that --cacert does not trust: pass the CA that signed the nodes'"
            + " certificates");
      }
      if (t instanceof CertificateException) {
        return Optional.of("has a certificate that is not accepted (" + message + ")");
      }
    }
    return Optional.empty();
  }

  /** The alert's name from BoringSSL's message, e.g. TLSV1_ALERT_UNKNOWN_CA. */
  private static String alert(String message) {
    int at = message.lastIndexOf(':');
    return at >= 0 ? message.substring(at + 1) : message;
  }
}
