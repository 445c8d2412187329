package dev.kvstore.node;

import ch.qos.logback.core.util.FileSize;
import dev.kvstore.node.api.WatchLimits;
import dev.kvstore.node.audit.AuditSettings;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.node.ops.RateLimits;
import dev.kvstore.node.raft.AutoCompaction;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.PeerList;
import dev.kvstore.node.raft.PeerNameCaching;
import dev.kvstore.node.raft.RaftTuning;
import dev.kvstore.node.raft.RestoredMember;
import dev.kvstore.node.security.ClientTls;
import dev.kvstore.node.security.PeerTls;
import dev.kvstore.node.security.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The {@code kvstore-node} command: runs one node until SIGTERM or Ctrl-C. */
@Command(
    name = "kvstore-node",
    mixinStandardHelpOptions = true,
    versionProvider = NodeCommand.Version.class,
    sortOptions = false,
    description = "Runs one node of a kvstore cluster: a Raft member plus the client gRPC API and"
        + " Prometheus metrics over HTTP.%n"
        + "Every option can also be set by the environment variable shown in its description.",
    footer = {
        "",
        "Example (three nodes on one machine; start each with its own --node-id, ports and data dir):",
        "  kvstore-node --node-id n1 --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 \\",
        "               --client-port 50051 --data-dir data/n1",
        "",
        "Exit codes: 0 stopped, 1 failed at runtime (e.g. the Raft server stopped on its own), 2 bad",
        "configuration. Stopped by a signal, the JVM reports 128 + signal (143 for SIGTERM)."})
public final class NodeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);
  private static final long START_WAIT_SECONDS = 120;
  /** The cluster id of nodes started without one on a data directory that no restore made. */
  static final String DEFAULT_CLUSTER_ID = "kvstore";

  @Option(names = "--node-id", paramLabel = "ID", required = true, defaultValue = "${env:KVSTORE_NODE_ID}",
      description = "This node's id; must appear in --peers. Env: KVSTORE_NODE_ID")
  String nodeId;

  @Option(names = "--peers", paramLabel = "ID=HOST:PORT[/CLIENT_HOST:CLIENT_PORT][,...]", required = true,
      defaultValue = "${env:KVSTORE_PEERS}",
      description = "Every member as ID=HOST:RAFT_PORT, comma-separated, this node included; optionally with"
          + " /CLIENT_HOST:CLIENT_PORT, where it serves clients (recorded in the cluster's configuration, so"
          + " 'member list' and 'status' show it). A new cluster's first configuration; later the live"
          + " configuration (kvstore member ...) rules. Env: KVSTORE_PEERS")
  String peers;

  @Option(names = "--client-port", paramLabel = "PORT", defaultValue = "${env:KVSTORE_CLIENT_PORT:-50051}",
      description = "Port of the client gRPC API (default ${DEFAULT-VALUE}). Env: KVSTORE_CLIENT_PORT")
  int clientPort;

  @Option(names = "--raft-port", paramLabel = "PORT", defaultValue = "${env:KVSTORE_RAFT_PORT}",
      description = "Port the Raft server listens on (default: the port of this node in --peers). Env: KVSTORE_RAFT_PORT")
  Integer raftPort;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:KVSTORE_METRICS_PORT}",
      description = "Port of the Prometheus metrics over HTTP (GET /metrics); 0 turns them off"
          + " (default: the client port + 100, 50151 for 50051). Env: KVSTORE_METRICS_PORT")
  Integer metricsPort;

  @Option(names = "--no-metrics", defaultValue = "${env:KVSTORE_NO_METRICS:-false}",
      description = "Serve no metrics (wins over --metrics-port). Env: KVSTORE_NO_METRICS=true")
  boolean noMetrics;

  @Option(names = "--bind-address", paramLabel = "ADDRESS", defaultValue = "${env:KVSTORE_BIND_ADDRESS:-0.0.0.0}",
      description = "Address the client, Raft and metrics servers listen on (default ${DEFAULT-VALUE}). Env: KVSTORE_BIND_ADDRESS")
  String bindAddress;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:KVSTORE_DATA_DIR:-data}",
      description = "Directory for the Raft log and snapshots (default ${DEFAULT-VALUE}). Env: KVSTORE_DATA_DIR")
  Path dataDir;

  @Option(names = "--cluster-id", paramLabel = "NAME", defaultValue = "${env:KVSTORE_CLUSTER_ID}",
      description = "Cluster name; only nodes with the same name form a cluster (default: the name kvstore snapshot"
          + " restore recorded in the data directory, else " + DEFAULT_CLUSTER_ID + "). Env: KVSTORE_CLUSTER_ID")
  String clusterId;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "${env:KVSTORE_REQUEST_TIMEOUT:-5s}",
      converter = DurationConverter.class,
      description = "Longest a request waits for a leader or a quorum before UNAVAILABLE (default ${DEFAULT-VALUE}). Env: KVSTORE_REQUEST_TIMEOUT")
  Duration requestTimeout;

  @Option(names = "--election-timeout", paramLabel = "DURATION", defaultValue = "${env:KVSTORE_ELECTION_TIMEOUT:-750ms}",
      converter = DurationConverter.class,
      description = "Minimum Raft election timeout; the maximum is 1.5 times this (default ${DEFAULT-VALUE}). Env: KVSTORE_ELECTION_TIMEOUT")
  Duration electionTimeout;

  @Option(names = "--snapshot-threshold", paramLabel = "ENTRIES", defaultValue = "${env:KVSTORE_SNAPSHOT_THRESHOLD:-100000}",
      description = "Writes (or log entries, whichever come first) applied between automatic snapshots: what a restart"
          + " replays at most (default ${DEFAULT-VALUE}). Env: KVSTORE_SNAPSHOT_THRESHOLD")
  long snapshotThreshold;

  @Option(names = "--log-kept-after-snapshot", paramLabel = "ENTRIES", defaultValue = "${env:KVSTORE_LOG_KEPT_AFTER_SNAPSHOT:-10000}",
      description = "Log entries kept behind a snapshot for followers that lag a little (default ${DEFAULT-VALUE}). Env: KVSTORE_LOG_KEPT_AFTER_SNAPSHOT")
  long logKeptAfterSnapshot;

  @Option(names = "--log-segment-size", paramLabel = "BYTES", defaultValue = "${env:KVSTORE_LOG_SEGMENT_SIZE:-33554432}",
      description = "Bytes at which a Raft log segment is closed; only closed segments are purged after a snapshot"
          + " (default ${DEFAULT-VALUE}). Env: KVSTORE_LOG_SEGMENT_SIZE")
  long logSegmentSize;

  @Option(names = "--quota-backend-bytes", paramLabel = "BYTES",
      defaultValue = "${env:KVSTORE_QUOTA_BACKEND_BYTES:-8589934592}",
      description = "Storage quota (etcd's name): above this many bytes in the data directory (Raft log, snapshots),"
          + " writes that add data get RESOURCE_EXHAUSTED on every member while reads, deletes and compaction go on,"
          + " until compaction and snapshots bring it below. A number of bytes or a size such as 8GB, 512MB;"
          + " 0 = no quota (default ${DEFAULT-VALUE}, 8 GiB). Env: KVSTORE_QUOTA_BACKEND_BYTES")
  String quotaBackendBytes;

  /** Replaced by the store's history ({@code --auto-compaction-*}); accepted so that old command lines still start. */
  @Option(names = "--watch-history", paramLabel = "EVENTS", hidden = true)
  Integer watchHistory;

  @Option(names = "--auto-compaction-mode", paramLabel = "MODE",
      defaultValue = "${env:KVSTORE_AUTO_COMPACTION_MODE:-revision}",
      description = "revision: keep the last N revisions; periodic: keep the revisions of the last period of time"
          + " (default ${DEFAULT-VALUE}). Env: KVSTORE_AUTO_COMPACTION_MODE")
  String autoCompactionMode;

  @Option(names = "--auto-compaction-retention", paramLabel = "N|DURATION",
      defaultValue = "${env:KVSTORE_AUTO_COMPACTION_RETENTION:-10000}",
      description = "History the leader keeps before compacting: revisions (mode revision) or a duration such as 1h"
          + " (mode periodic); 0 = never compact automatically (default ${DEFAULT-VALUE}). Past revisions can be"
          + " read and watched from while kept. Env: KVSTORE_AUTO_COMPACTION_RETENTION")
  String autoCompactionRetention;

  @Option(names = "--auth-token-ttl", paramLabel = "DURATION", defaultValue = "${env:KVSTORE_AUTH_TOKEN_TTL:-5m}",
      converter = DurationConverter.class,
      description = "How long a token from Authenticate is valid, 1s to 1d (default ${DEFAULT-VALUE}, as etcd's)."
          + " Env: KVSTORE_AUTH_TOKEN_TTL")
  Duration authTokenTtl;

  @Option(names = "--auth-bcrypt-cost", paramLabel = "COST", defaultValue = "${env:KVSTORE_AUTH_BCRYPT_COST:-10}",
      description = "bcrypt cost of new password hashes: 2^COST rounds, 4 to 31 (default ${DEFAULT-VALUE}, as etcd's)."
          + " Env: KVSTORE_AUTH_BCRYPT_COST")
  int authBcryptCost;

  @Option(names = "--initial-root-password-file", paramLabel = "FILE",
      defaultValue = "${env:KVSTORE_INITIAL_ROOT_PASSWORD_FILE}",
      description = "A new cluster adds the user 'root' with the password in this file (its first line; e.g. a"
          + " Docker secret) and enables authentication; a cluster whose users or roles were changed is left alone."
          + " Env: KVSTORE_INITIAL_ROOT_PASSWORD_FILE")
  Path initialRootPasswordFile;

  @Option(names = "--watch-queue", paramLabel = "EVENTS", defaultValue = "${env:KVSTORE_WATCH_QUEUE:-1000}",
      description = "Events a slow watcher may have pending before it is cancelled (default ${DEFAULT-VALUE}). Env: KVSTORE_WATCH_QUEUE")
  int watchQueue;

  @Option(names = "--client-cert-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_CLIENT_CERT_FILE}",
      description = "The node's certificate (chain) for client traffic; with --client-key-file, the client port"
          + " speaks TLS 1.2/1.3 only. Env: KVSTORE_CLIENT_CERT_FILE")
  Path clientCertFile;

  @Option(names = "--client-key-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_CLIENT_KEY_FILE}",
      description = "Private key of --client-cert-file (PKCS#8 or PKCS#1). Env: KVSTORE_CLIENT_KEY_FILE")
  Path clientKeyFile;

  @Option(names = "--client-trusted-ca-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_CLIENT_TRUSTED_CA_FILE}",
      description = "CA certificates that sign client certificates; a client certificate is verified against them."
          + " Env: KVSTORE_CLIENT_TRUSTED_CA_FILE")
  Path clientTrustedCaFile;

  @Option(names = "--client-cert-auth", defaultValue = "${env:KVSTORE_CLIENT_CERT_AUTH:-false}",
      description = "Require a client certificate from --client-trusted-ca-file (mTLS): clients without one are"
          + " refused during the handshake. Env: KVSTORE_CLIENT_CERT_AUTH=true")
  boolean clientCertAuth;

  @Option(names = "--peer-cert-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_PEER_CERT_FILE}",
      description = "The node's certificate for Raft traffic, as server and as client: it must name the host this"
          + " node has in --peers. With --peer-key-file and --peer-trusted-ca-file, peers speak TLS and always check"
          + " each other's certificates. Env: KVSTORE_PEER_CERT_FILE")
  Path peerCertFile;

  @Option(names = "--peer-key-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_PEER_KEY_FILE}",
      description = "Private key of --peer-cert-file. Env: KVSTORE_PEER_KEY_FILE")
  Path peerKeyFile;

  @Option(names = "--peer-trusted-ca-file", paramLabel = "PEM", defaultValue = "${env:KVSTORE_PEER_TRUSTED_CA_FILE}",
      description = "CA certificates that sign the peers' certificates; a peer with another is refused."
          + " Env: KVSTORE_PEER_TRUSTED_CA_FILE")
  Path peerTrustedCaFile;

  @Option(names = "--tls-reload-period", paramLabel = "DURATION", defaultValue = "${env:KVSTORE_TLS_RELOAD_PERIOD:-60s}",
      converter = DurationConverter.class,
      description = "How often the TLS files are read again: replace a certificate and its key (both files) and new"
          + " connections use them within this time, without a restart (default ${DEFAULT-VALUE})."
          + " Env: KVSTORE_TLS_RELOAD_PERIOD")
  Duration tlsReloadPeriod;

  @Option(names = "--rate-limit", paramLabel = "PER_SECOND", defaultValue = "${env:KVSTORE_RATE_LIMIT:-0}",
      description = "Requests per second each user (or, for calls without a user, each client address) may make;"
          + " beyond it calls get RESOURCE_EXHAUSTED with the time to retry. 0 = no limit (default ${DEFAULT-VALUE})."
          + " Env: KVSTORE_RATE_LIMIT")
  long rateLimit;

  @Option(names = "--rate-limit-burst", paramLabel = "REQUESTS", defaultValue = "${env:KVSTORE_RATE_LIMIT_BURST}",
      description = "Requests a user or address that was idle may make at once (default: twice --rate-limit)."
          + " Env: KVSTORE_RATE_LIMIT_BURST")
  Long rateLimitBurst;

  @Option(names = "--audit-log-file", paramLabel = "PATH", defaultValue = "${env:KVSTORE_AUDIT_LOG_FILE}",
      description = "Write one JSON line per write, auth and admin operation and per refused request to this file"
          + " (default: no audit log). Env: KVSTORE_AUDIT_LOG_FILE")
  Path auditLogFile;

  @Option(names = "--audit-log-max-size", paramLabel = "SIZE", defaultValue = "${env:KVSTORE_AUDIT_LOG_MAX_SIZE:-100MB}",
      description = "Size at which the audit log is rotated, e.g. 100MB, 1GB (default ${DEFAULT-VALUE})."
          + " Env: KVSTORE_AUDIT_LOG_MAX_SIZE")
  String auditLogMaxSize;

  @Option(names = "--audit-log-max-files", paramLabel = "N", defaultValue = "${env:KVSTORE_AUDIT_LOG_MAX_FILES:-5}",
      description = "Rotated audit log files kept besides the current one, 1 to 20 (default ${DEFAULT-VALUE})."
          + " Env: KVSTORE_AUDIT_LOG_MAX_FILES")
  int auditLogMaxFiles;

  @Option(names = "--initial-cluster-state", paramLabel = "new|existing",
      defaultValue = "${env:KVSTORE_INITIAL_CLUSTER_STATE:-new}",
      description = "new: --peers are the voting members of a new cluster. existing: join a running cluster"
          + " (as etcd's flag): start outside its configuration, never campaign, and wait until a member adds this"
          + " node (kvstore member add ID RAFT_ADDRESS --client-address ...); --peers must list this node."
          + " Ignored once the data directory holds a configuration (default ${DEFAULT-VALUE})."
          + " Env: KVSTORE_INITIAL_CLUSTER_STATE")
  String initialClusterState;

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    PeerNameCaching.apply();
    BufferLeakDetection.apply();
    System.exit(commandLine().execute(args));
  }

  /** The command line with its error handling: configuration errors exit 2, other failures 1. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NodeCommand());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("kvstore-node: " + e.getMessage());
      return e instanceof IllegalArgumentException ? 2 : 1;
    });
    return cli;
  }

  NodeConfig toConfig() {
    List<Peer> peerList = PeerList.parse(peers);
    Peer self = peerList.stream().filter(p -> p.id().equals(nodeId)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("node id '" + nodeId + "' is not in --peers ("
            + String.join(", ", peerList.stream().map(Peer::id).toList()) + ")"));
    return new NodeConfig(nodeId, peerList, clusterId(), bindAddress, clientPort,
        raftPort == null ? self.port() : raftPort, metricsPort(), dataDir, requestTimeout,
        new RaftTuning(electionTimeout, snapshotThreshold, logKeptAfterSnapshot, logSegmentSize, quotaBytes()),
        new WatchLimits(watchQueue), autoCompaction(), new AuthSettings(authTokenTtl, authBcryptCost, initialRootPasswordFile), tls(),
        rateLimits(), audit(), joinExisting())
        .validate();
  }

  private boolean joinExisting() {
    return switch (initialClusterState == null ? "new" : initialClusterState) {
      case "new" -> false;
      case "existing" -> true;
      default -> throw new IllegalArgumentException("--initial-cluster-state '" + initialClusterState
          + "' is not one of: new, existing");
    };
  }

  /** --cluster-id, else the id a restore recorded in the data directory (see {@link RestoredMember}), else the default. */
  private String clusterId() {
    if (clusterId != null) {
      return clusterId;
    }
    try {
      return RestoredMember.read(dataDir).map(RestoredMember::clusterId).orElse(DEFAULT_CLUSTER_ID);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read what the restore of data directory " + dataDir + " recorded: "
          + e.getMessage());
    }
  }

  private long quotaBytes() {
    String value = quotaBackendBytes.trim();
    try {
      return value.matches("-?\\d+") ? Long.parseLong(value) : FileSize.valueOf(value).getSize();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--quota-backend-bytes '" + quotaBackendBytes + "' is not a size; give bytes"
          + " (8589934592) or a size such as 8GB or 512MB; 0 = no quota");
    }
  }

  private RateLimits rateLimits() {
    if (rateLimitBurst != null) {
      return new RateLimits(rateLimit, rateLimitBurst);
    }
    // A negative rate is kept so that validation names it.
    return rateLimit > 0 ? RateLimits.perSecond(rateLimit) : new RateLimits(rateLimit, 0);
  }

  private AuditSettings audit() {
    long maxBytes;
    try {
      maxBytes = FileSize.valueOf(auditLogMaxSize.trim()).getSize();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--audit-log-max-size '" + auditLogMaxSize + "' is not a size; use e.g."
          + " 100MB, 512KB or 1GB");
    }
    return new AuditSettings(auditLogFile, maxBytes, auditLogMaxFiles);
  }

  private TlsSettings tls() {
    return new TlsSettings(new ClientTls(clientCertFile, clientKeyFile, clientTrustedCaFile, clientCertAuth),
        new PeerTls(peerCertFile, peerKeyFile, peerTrustedCaFile), tlsReloadPeriod);
  }

  private AutoCompaction autoCompaction() {
    if (watchHistory != null) {
      System.err.println("kvstore-node: --watch-history is no longer used: watches replay the store's history,"
          + " which --auto-compaction-retention bounds");
    }
    String retention = autoCompactionRetention.trim();
    switch (autoCompactionMode.trim().toLowerCase(Locale.ROOT)) {
      case "revision" -> {
        try {
          return AutoCompaction.revisions(Long.parseLong(retention));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--auto-compaction-retention '" + retention + "' is not a number of"
              + " revisions; in mode revision give one such as 10000 (0 = off)");
        }
      }
      case "periodic" -> {
        if (retention.equals("0")) {
          return AutoCompaction.periodic(Duration.ZERO);
        }
        try {
          return AutoCompaction.periodic(new DurationConverter().convert(retention));
        } catch (CommandLine.TypeConversionException e) {
          throw new IllegalArgumentException("--auto-compaction-retention '" + retention + "' is not a duration; in"
              + " mode periodic give one such as 30m or 1h (0 = off)");
        }
      }
      default -> throw new IllegalArgumentException("--auto-compaction-mode '" + autoCompactionMode
          + "' is unknown; use revision or periodic");
    }
  }

  private int metricsPort() {
    if (noMetrics) {
      return 0;
    }
    return metricsPort != null ? metricsPort : clientPort + NodeConfig.METRICS_PORT_OFFSET;
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig config = toConfig();
    CompletableFuture<KvNode> started = new CompletableFuture<>();
    CountDownLatch stopRequested = new CountDownLatch(1);
    // Registered before the node starts, so a SIGTERM during a long log replay still stops it cleanly.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{}: stop requested", config.nodeId());
      stopRequested.countDown();
      try {
        started.get(START_WAIT_SECONDS, TimeUnit.SECONDS).close();
      } catch (Exception notStarted) {
        LOG.info("{}: stopping before the node finished starting: {}", config.nodeId(), notStarted.toString());
      }
    }, "shutdown"));
    KvNode node;
    try {
      node = KvNode.start(config);
    } catch (Exception e) {
      started.completeExceptionally(e);
      throw e;
    }
    started.complete(node);
    // A Raft server that stops on its own (a failed disk, say) leaves a process that answers only
    // errors; exiting lets a supervisor (systemd, Docker's restart policy) start a fresh one.
    while (!stopRequested.await(1, TimeUnit.SECONDS)) {
      if (!node.isRaftRunning()) {
        LOG.error("{}: the Raft server stopped unexpectedly; exiting: {}", config.nodeId(), node.stopReason());
        node.close();
        return 1;
      }
    }
    return 0;
  }

  /** Reads the version Maven wrote into the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = NodeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"kvstore-node " + (v == null ? "(development build)" : v)};
    }
  }

  /** Accepts 500ms, 5s, 1.5s, 2m, 1h or an ISO-8601 duration such as PT5S. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      try {
        if (v.startsWith("p")) {
          return Duration.parse(v.toUpperCase(Locale.ROOT));
        }
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
          return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
        }
        if (v.endsWith("m")) {
          return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("h")) {
          return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        throw new IllegalArgumentException("no unit");
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; use e.g. 500ms, 5s, 2m");
      }
    }
  }
}
