package dev.kvstore.node.raft;

/**
 * One member of the Raft group as the cluster knows it: its id and the address other members use
 * to reach its Raft port.
 *
 * @param id   node id, e.g. {@code n1}
 * @param host host name or IP other nodes connect to
 * @param port Raft port on that host
 */
public record Peer(String id, String host, int port) {

  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return id + "=" + address();
  }
}
