package dev.kvstore.node.raft;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ratis client per peer for calls addressed to that peer (group info, snapshots). Ratis
 * clients keep per-server ordered windows; mixing explicit-target calls with leader-bound writes
 * on one client stalled both, so targeted calls get clients of their own.
 */
public final class PeerAdminClients implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeerAdminClients.class);

  private final Supplier<RaftGroup> group;
  private final RaftProperties properties;
  private final Parameters parameters;
  private final Map<RaftPeerId, RaftClient> clients = new ConcurrentHashMap<>();

  /**
   * Clients for the members of {@code group}, made on first use with {@code properties}.
   *
   * @param group      the group as it is when a client is made: its live configuration, whose peers
   *                   must be addressed as {@link Membership#forRatisClients} says
   * @param parameters Ratis parameters of the clients (peer TLS, see {@code TransportSecurity})
   */
  public PeerAdminClients(Supplier<RaftGroup> group, RaftProperties properties, Parameters parameters) {
    this.group = group;
    this.properties = properties;
    this.parameters = parameters;
  }

  /**
   * The client whose calls go to {@code peer}, made on first use; it retries little, so a dead peer fails fast.
   *
   * @throws IllegalStateException when {@code peer} is not in the live configuration (e.g. on a node
   *     that waits to join)
   */
  public RaftClient forPeer(RaftPeerId peer) {
    RaftClient existing = clients.get(peer);
    if (existing != null) {
      return existing;
    }
    RaftGroup now = group.get();
    if (now.getPeer(peer) == null) {
      // Not cached: a client made without the peer's address could never reach it.
      throw new IllegalStateException(peer + " is not in the Raft configuration this node knows");
    }
    return clients.computeIfAbsent(peer, id -> RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(now)
        .setLeaderId(id)
        .setProperties(properties)
        .setParameters(parameters)
        // An unreachable peer should show up as unreachable in status, not hold the call.
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(1, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build());
  }

  @Override
  public void close() {
    clients.values().forEach(c -> {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("closing admin client: {}", e.toString());
      }
    });
    clients.clear();
  }
}
