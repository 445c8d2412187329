package dev.kvstore.node.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLException;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node's TLS: the loaded, periodically re-read credentials of {@link TlsSettings}, turned
 * into what the client gRPC server (a Netty {@link SslContext}) and Ratis (a {@link GrpcTlsConfig}
 * in its {@link Parameters}) take. TLS 1.3 and 1.2 only.
 */
public final class TransportSecurity implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TransportSecurity.class);
  /** No SSLv3, TLS 1.0 or 1.1: they have known weaknesses and every supported client speaks 1.2. */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SslContext clientServerContext;
  private final GrpcTlsConfig peerConfig;
  private final List<ReloadingCredentials> credentials;

  private TransportSecurity(SslContext clientServerContext, GrpcTlsConfig peerConfig,
      List<ReloadingCredentials> credentials) {
    this.clientServerContext = clientServerContext;
    this.peerConfig = peerConfig;
    this.credentials = credentials;
  }

  /**
   * Reads the PEM files of {@code settings} and re-reads them every {@link TlsSettings#reloadPeriod()}
   * on {@code scheduler} until closed.
   *
   * @throws IllegalArgumentException naming the flag and file that is missing, unreadable or not PEM
   */
  public static TransportSecurity start(TlsSettings settings, ScheduledExecutorService scheduler) {
    settings.validate();
    List<ReloadingCredentials> loaded = new ArrayList<>();
    try {
      SslContext client = null;
      ClientTls c = settings.client();
      if (c.on()) {
        ReloadingCredentials files = ReloadingCredentials.load(c.certFile(), c.keyFile(), c.trustedCaFile(),
            new ReloadingCredentials.Flags("--client-cert-file", "--client-key-file", "--client-trusted-ca-file"),
            settings.reloadPeriod(), scheduler);
        loaded.add(files);
        client = clientServerContext(files, c.clientCertRequired());
        LOG.info("client TLS on: certificate {}, client certificates {}, files re-read every {}", c.certFile(),
            c.clientCertRequired() ? "required from " + c.trustedCaFile()
                : c.trustedCaFile() != null ? "checked when given, from " + c.trustedCaFile() : "not asked for",
            settings.reloadPeriod());
      }
      GrpcTlsConfig peer = null;
      PeerTls p = settings.peer();
      if (p.on()) {
        ReloadingCredentials files = ReloadingCredentials.load(p.certFile(), p.keyFile(), p.trustedCaFile(),
            new ReloadingCredentials.Flags("--peer-cert-file", "--peer-key-file", "--peer-trusted-ca-file"),
            settings.reloadPeriod(), scheduler);
        loaded.add(files);
        peer = GrpcTlsConfig.newBuilder()
            .setKeyManager(files.keyManager())
            .setTrustManager(files.trustManager())
            .setMutualTls(true)
            .setProtocols(PROTOCOLS)
            .build();
        LOG.info("peer TLS on (mutual): certificate {}, peers trusted from {}, files re-read every {}", p.certFile(),
            p.trustedCaFile(), settings.reloadPeriod());
      }
      return new TransportSecurity(client, peer, loaded);
    } catch (RuntimeException e) {
      loaded.forEach(ReloadingCredentials::close);
      throw e;
    }
  }

  private static SslContext clientServerContext(ReloadingCredentials files, boolean clientCertRequired) {
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(files.keyManager()))
        .protocols(PROTOCOLS);
    if (files.trustManager() != null) {
      builder.trustManager(files.trustManager())
          .clientAuth(clientCertRequired ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
    }
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("client TLS cannot be set up: " + e.getMessage(), e);
    }
  }

  /** The client server's TLS context; empty for plaintext. */
  public Optional<SslContext> clientServerContext() {
    return Optional.ofNullable(clientServerContext);
  }

  /**
   * Puts peer TLS into Ratis parameters, for the Raft server and for every Ratis client RPC the
   * node builds (Ratis takes it for its server, client and admin channels); no change when peer
   * TLS is off.
   *
   * @return {@code parameters}
   */
  public Parameters applyToPeers(Parameters parameters) {
    if (peerConfig != null) {
      GrpcConfigKeys.TLS.setConf(parameters, peerConfig);
    }
    return parameters;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    credentials.forEach(ReloadingCredentials::close);
  }
}
