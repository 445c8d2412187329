package dev.kvstore.node.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and checks the {@code --peers} list: {@code ID=HOST:PORT[/CLIENT_HOST:CLIENT_PORT][,...]}:
 * each member's Raft address and, optionally, where it serves clients (recorded in the initial Raft
 * configuration, so that members and clients learn it from any node).
 */
public final class PeerList {

  /** What a node id may be: 1 to 63 letters, digits, {@code _ . -}, starting with a letter or digit. */
  public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final Pattern ENTRY = Pattern.compile(
      "([^=\\s]+)=(\\[[0-9A-Fa-f:.]+\\]|[^:/\\[\\]\\s]+):(\\d{1,5})(?:/(\\[[0-9A-Fa-f:.]+\\]|[^:/\\[\\]\\s]+):(\\d{1,5}))?");

  private PeerList() {}

  /**
   * Returns the peers in the order given.
   *
   * @throws IllegalArgumentException with a message naming the offending entry
   */
  public static List<Peer> parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("--peers is empty; expected ID=HOST:PORT[,ID=HOST:PORT...], e.g."
          + " n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003");
    }
    List<Peer> peers = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (String raw : spec.split(",")) {
      String entry = raw.trim();
      Matcher m = ENTRY.matcher(entry);
      if (!m.matches()) {
        throw new IllegalArgumentException("peer entry '" + entry + "' is not ID=HOST:PORT[/CLIENT_HOST:CLIENT_PORT]"
            + " (e.g. n1=127.0.0.1:7001 or n1=127.0.0.1:7001/127.0.0.1:50051)");
      }
      String id = m.group(1);
      if (!NODE_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("peer id '" + id + "' is invalid: use 1-63 letters, digits, '.', '_'"
            + " or '-', starting with a letter or digit");
      }
      String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
      int port = Integer.parseInt(m.group(3));
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("peer '" + id + "' has port " + port + "; ports are 1-65535");
      }
      if (!ids.add(id)) {
        throw new IllegalArgumentException("peer id '" + id + "' appears more than once in --peers");
      }
      String clientAddress = "";
      if (m.group(4) != null) {
        int clientPort = Integer.parseInt(m.group(5));
        if (clientPort < 1 || clientPort > 65535) {
          throw new IllegalArgumentException("peer '" + id + "' has client port " + clientPort + "; ports are 1-65535");
        }
        clientAddress = m.group(4) + ":" + clientPort;
      }
      Peer peer = new Peer(id, host, port, clientAddress);
      if (!addresses.add(peer.address())) {
        throw new IllegalArgumentException("address " + peer.address() + " is given to more than one peer in --peers");
      }
      peers.add(peer);
    }
    return List.copyOf(peers);
  }
}
