package dev.kvstore.node;

import dev.kvstore.node.api.WatchLimits;
import dev.kvstore.node.audit.AuditSettings;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.node.ops.RateLimits;
import dev.kvstore.node.raft.AutoCompaction;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.PeerList;
import dev.kvstore.node.raft.RaftTuning;
import dev.kvstore.node.security.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything one node needs to start. {@link NodeCommand} builds it from the command line;
 * {@link #validate()} checks the rules that span fields.
 *
 * @param nodeId         this node's id; must be one of {@code peers}
 * @param peers          every voting member of the cluster, this node included
 * @param clusterId      name of the cluster; nodes only talk to nodes with the same name
 * @param bindAddress    address the client, Raft and metrics servers listen on
 * @param clientPort     port of the client-facing gRPC API
 * @param raftPort       port the Raft server listens on (others reach it at this node's peer address)
 * @param metricsPort    port of the Prometheus metrics over HTTP ({@code /metrics}); 0 = no metrics
 * @param dataDir        directory for the Raft log, metadata and snapshots
 * @param requestTimeout longest a request waits for a leader, a quorum or a read index
 * @param raft           Raft timing and log housekeeping
 * @param watch          bounds of the watch machinery
 * @param compaction     how much history the node keeps when it leads (see {@link AutoCompaction})
 * @param auth           token lifetime and password hashing cost
 * @param tls            TLS on the client port and between peers ({@link TlsSettings#OFF}: plaintext)
 * @param rateLimits     per-user / per-address rate limit of client calls ({@link RateLimits#OFF}: none)
 * @param audit          the audit log's file and rotation ({@link AuditSettings#OFF}: no audit log)
 * @param joinExisting   true for a node that joins a running cluster (as etcd's
 *                       {@code --initial-cluster-state existing}): it starts outside the Raft
 *                       configuration, never campaigns, and waits until a member adds it
 *                       ({@code Cluster.MemberAdd}); false for a member of a new cluster's {@code peers}
 */
public record NodeConfig(
    String nodeId,
    List<Peer> peers,
    String clusterId,
    String bindAddress,
    int clientPort,
    int raftPort,
    int metricsPort,
    Path dataDir,
    Duration requestTimeout,
    RaftTuning raft,
    WatchLimits watch,
    AutoCompaction compaction,
    AuthSettings auth,
    TlsSettings tls,
    RateLimits rateLimits,
    AuditSettings audit,
    boolean joinExisting) {

  public static final int DEFAULT_CLIENT_PORT = 50051;
  /** The command line's default metrics port is the client port plus this (50151 for 50051). */
  public static final int METRICS_PORT_OFFSET = 100;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    peers = List.copyOf(peers);
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(raft, "raft");
    Objects.requireNonNull(watch, "watch");
    Objects.requireNonNull(compaction, "compaction");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(audit, "audit");
  }

  /**
   * A config with defaults for everything but identity, addresses and storage. Metrics are off
   * (an embedding program picks a port with {@link #withMetricsPort}); the command line's default
   * is the client port + {@value #METRICS_PORT_OFFSET}.
   */
  public static NodeConfig of(String nodeId, List<Peer> peers, String bindAddress, int clientPort, Path dataDir) {
    int raftPort = peers.stream().filter(p -> p.id().equals(nodeId)).mapToInt(Peer::port).findFirst().orElse(0);
    return new NodeConfig(nodeId, peers, "kvstore", bindAddress, clientPort, raftPort, 0, dataDir,
        DEFAULT_REQUEST_TIMEOUT, RaftTuning.DEFAULTS, WatchLimits.DEFAULTS, AutoCompaction.DEFAULTS,
        AuthSettings.DEFAULTS, TlsSettings.OFF, RateLimits.OFF, AuditSettings.OFF, false);
  }

  public NodeConfig withRaft(RaftTuning tuning) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, tuning, watch, compaction, auth, tls, rateLimits, audit, joinExisting);
  }

  public NodeConfig withWatch(WatchLimits limits) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, limits, compaction, auth, tls, rateLimits, audit, joinExisting);
  }

  public NodeConfig withRequestTimeout(Duration timeout) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir, timeout,
        raft, watch, compaction, auth, tls, rateLimits, audit, joinExisting);
  }

  public NodeConfig withCompaction(AutoCompaction rule) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, rule, auth, tls, rateLimits, audit, joinExisting);
  }

  public NodeConfig withAuth(AuthSettings settings) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, compaction, settings, tls, rateLimits, audit, joinExisting);
  }

  /** The same config with {@code settings} for TLS. */
  public NodeConfig withTls(TlsSettings settings) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, compaction, auth, settings, rateLimits, audit, joinExisting);
  }

  /** The same config with {@code limits} on client calls. */
  public NodeConfig withRateLimits(RateLimits limits) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, compaction, auth, tls, limits, audit, joinExisting);
  }

  /** The same config with {@code settings} for the audit log. */
  public NodeConfig withAudit(AuditSettings settings) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, compaction, auth, tls, rateLimits, settings, joinExisting);
  }

  /** The same config in the cluster named {@code name} (its Raft group id derives from it). */
  public NodeConfig withClusterId(String name) {
    return new NodeConfig(nodeId, peers, name, bindAddress, clientPort, raftPort, metricsPort, dataDir, requestTimeout,
        raft, watch, compaction, auth, tls, rateLimits, audit, joinExisting);
  }

  /** The same config serving metrics on {@code port} (0: no metrics). */
  public NodeConfig withMetricsPort(int port) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, port, dataDir, requestTimeout,
        raft, watch, compaction, auth, tls, rateLimits, audit, joinExisting);
  }

  /** The same config, joining a running cluster ({@code true}) or forming a new one from {@link #peers()}. */
  public NodeConfig withJoinExisting(boolean join) {
    return new NodeConfig(nodeId, peers, clusterId, bindAddress, clientPort, raftPort, metricsPort, dataDir,
        requestTimeout, raft, watch, compaction, auth, tls, rateLimits, audit, join);
  }

  /**
   * HOST:PORT where other members and clients reach this node's client API: the client address of
   * its entry in {@link #peers()} if given, else its host there and its client port. Recorded in the
   * Raft configuration with this node's entry.
   */
  public String clientAddress() {
    Peer self = self();
    if (!self.clientAddress().isEmpty()) {
      return self.clientAddress();
    }
    return (self.host().contains(":") ? "[" + self.host() + "]" : self.host()) + ":" + clientPort;
  }

  /** True when the node serves metrics ({@link #metricsPort()} is not 0). */
  public boolean metricsOn() {
    return metricsPort != 0;
  }

  /** This node's entry in {@link #peers()}. */
  public Peer self() {
    return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElseThrow();
  }

  /**
   * Checks the rules that span fields.
   *
   * @throws IllegalArgumentException naming what is wrong and what is allowed
   */
  public NodeConfig validate() {
    if (!PeerList.NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("node id '" + nodeId + "' is invalid: use 1-63 letters, digits, '.', '_'"
          + " or '-', starting with a letter or digit");
    }
    if (peers.stream().noneMatch(p -> p.id().equals(nodeId))) {
      throw new IllegalArgumentException("node id '" + nodeId + "' is not in --peers ("
          + String.join(", ", peers.stream().map(Peer::id).toList()) + ")");
    }
    checkPort("client port", clientPort);
    checkPort("Raft port", raftPort);
    if (clientPort == raftPort) {
      throw new IllegalArgumentException("client port and Raft port are both " + clientPort + "; they must differ");
    }
    if (metricsOn()) {
      checkPort("metrics port", metricsPort);
      if (metricsPort == clientPort || metricsPort == raftPort) {
        throw new IllegalArgumentException("metrics port " + metricsPort + " is also the "
            + (metricsPort == clientPort ? "client" : "Raft") + " port; use another (or 0 for no metrics)");
      }
    }
    if (clusterId.isBlank()) {
      throw new IllegalArgumentException("cluster id must not be blank");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
    }
    raft.validate();
    auth.validate();
    watch.validate();
    compaction.validate();
    tls.validate();
    rateLimits.validate();
    audit.validate();
    return this;
  }

  private static void checkPort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " " + port + " is out of range; ports are 1-65535"
          + (what.equals("metrics port") ? " (0: no metrics)" : ""));
    }
  }
}
