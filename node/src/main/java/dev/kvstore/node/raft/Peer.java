package dev.kvstore.node.raft;

import java.util.Objects;

/**
 * One member of the Raft group as the cluster knows it: its id, the address other members use to
 * reach its Raft port, and, when given, where it serves clients.
 *
 * @param id            node id, e.g. {@code n1}
 * @param host          host name or IP other nodes connect to
 * @param port          Raft port on that host
 * @param clientAddress HOST:PORT of its client API, or empty when not given
 */
public record Peer(String id, String host, int port, String clientAddress) {

  public Peer {
    Objects.requireNonNull(clientAddress, "clientAddress");
  }

  /** A peer whose client address is not given. */
  public Peer(String id, String host, int port) {
    this(id, host, port, "");
  }

  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return id + "=" + address() + (clientAddress.isEmpty() ? "" : "/" + clientAddress);
  }
}
