package dev.kvstore.node.raft;

import java.security.Security;

/**
 * How long this JVM trusts DNS answers about peers. The JDK keeps failed lookups for 10 s (set in
 * java.security, which the {@code -Dsun.net.inetaddr.*} flags cannot override) and successful ones
 * for 30 s. With peers addressed by name (containers, Kubernetes), a peer that appears a moment
 * after this node starts, or comes back with a new IP, would stay unreachable that long; a new
 * node that cannot be reached cannot catch up, and Ratis does not count the vote of a node with an
 * empty log, so that delay can cost the cluster its quorum. gRPC's resolver also keeps answers 30 s
 * unless the system property of the same name says otherwise. Lookups are cheap and rare (only when connecting).
 */
public final class PeerNameCaching {

  /**
   * Answers are not reused: in containers a cache of even 5 s made writes unavailable for 6-13 s
   * after a leader was killed (connections hung on the vanished IP) instead of about 2 s.
   */
  static final String TTL_SECONDS = "0";

  private PeerNameCaching() {}

  /** Must run before the first name lookup of the process. */
  public static void apply() {
    Security.setProperty("networkaddress.cache.ttl", TTL_SECONDS);
    Security.setProperty("networkaddress.cache.negative.ttl", TTL_SECONDS);
    System.setProperty("networkaddress.cache.ttl", TTL_SECONDS);
  }
}
