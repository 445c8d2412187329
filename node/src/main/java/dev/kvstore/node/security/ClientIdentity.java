package dev.kvstore.node.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The common name (CN) of the client certificate a call's connection was verified with, put into
 * the call's {@link Context} under {@link #COMMON_NAME}: the identity of an mTLS client, as etcd's
 * {@code --client-cert-auth} takes the CN as the user name. Absent on plaintext connections and when
 * the client presented no certificate. Only a certificate the TLS handshake verified reaches here
 * (an unverified one fails the handshake), so the name can be trusted as far as the CA is.
 */
public final class ClientIdentity implements ServerInterceptor {

  /** The verified client certificate's CN, or null. */
  public static final Context.Key<String> COMMON_NAME = Context.key("kvstore-client-cn");

  /** The CN of the current call's client certificate, when it has one. */
  public static Optional<String> current() {
    return Optional.ofNullable(COMMON_NAME.get());
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String name = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)).orElse(null);
    if (name == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(COMMON_NAME, name), call, headers, next);
  }

  /** The CN of the session's peer certificate; empty without a session, a certificate or a CN. */
  static Optional<String> commonName(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      return commonName(leaf);
    } catch (SSLPeerUnverifiedException noCertificate) {
      return Optional.empty();
    }
  }

  /** The last CN of the certificate's subject (the most specific one, when there are several). */
  static Optional<String> commonName(X509Certificate certificate) {
    try {
      String cn = null;
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = rdn.getValue().toString();
        }
      }
      return Optional.ofNullable(cn);
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
  }
}
