package dev.kvstore.node.security;

import java.time.Duration;
import java.util.Objects;

/**
 * A node's TLS configuration: client traffic and Raft traffic each on its own, and how often their
 * PEM files are read again (a replaced certificate or key is used for new connections from then on,
 * without a restart; connections already open keep theirs).
 *
 * @param client       TLS on the client port
 * @param peer         TLS between peers
 * @param reloadPeriod time between two reads of the PEM files ({@code --tls-reload-period})
 */
public record TlsSettings(ClientTls client, PeerTls peer, Duration reloadPeriod) {

  public static final Duration DEFAULT_RELOAD_PERIOD = Duration.ofSeconds(60);
  /** Both plaintext. */
  public static final TlsSettings OFF = new TlsSettings(ClientTls.OFF, PeerTls.OFF, DEFAULT_RELOAD_PERIOD);

  public TlsSettings {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(reloadPeriod, "reloadPeriod");
  }

  public TlsSettings withClient(ClientTls tls) {
    return new TlsSettings(tls, peer, reloadPeriod);
  }

  public TlsSettings withPeer(PeerTls tls) {
    return new TlsSettings(client, tls, reloadPeriod);
  }

  public TlsSettings withReloadPeriod(Duration period) {
    return new TlsSettings(client, peer, period);
  }

  /** @throws IllegalArgumentException naming the flag (and file) that is wrong */
  public void validate() {
    client.validate();
    peer.validate();
    if (reloadPeriod.isNegative() || reloadPeriod.isZero()) {
      throw new IllegalArgumentException("--tls-reload-period must be positive, got " + reloadPeriod);
    }
  }
}
