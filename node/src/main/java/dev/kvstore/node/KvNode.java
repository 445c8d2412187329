package dev.kvstore.node;

import dev.kvstore.api.BackupHeader;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.api.AuthService;
import dev.kvstore.node.api.BackupStream;
import dev.kvstore.node.api.ClusterService;
import dev.kvstore.node.api.KvStoreService;
import dev.kvstore.node.api.LeaderlessWatchGuard;
import dev.kvstore.node.api.LeaseService;
import dev.kvstore.node.api.MaintenanceService;
import dev.kvstore.node.api.MemberHintTrailers;
import dev.kvstore.node.api.ResponseCompression;
import dev.kvstore.node.api.ServiceGuard;
import dev.kvstore.node.api.TransportRejections;
import dev.kvstore.node.api.WatchService;
import dev.kvstore.node.audit.AuditLog;
import dev.kvstore.node.audit.AuditTrail;
import dev.kvstore.node.auth.AuthBootstrap;
import dev.kvstore.node.auth.AuthTokens;
import dev.kvstore.node.auth.Authentication;
import dev.kvstore.node.auth.AuthorizedKv;
import dev.kvstore.node.auth.PasswordHashes;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.auth.RaftAuth;
import dev.kvstore.node.ops.CallerBuckets;
import dev.kvstore.node.ops.NodeHealth;
import dev.kvstore.node.ops.RateLimitedLog;
import dev.kvstore.node.ops.RateLimiting;
import dev.kvstore.node.ops.StorageQuota;
import dev.kvstore.node.ops.metrics.NodeMetrics;
import dev.kvstore.node.ops.metrics.RaftMetrics;
import dev.kvstore.node.raft.AutoCompactor;
import dev.kvstore.node.raft.CommandSubmitter.Applied;
import dev.kvstore.node.raft.CommandSubmitter;
import dev.kvstore.node.raft.CommitBroadcast;
import dev.kvstore.node.raft.CommitNudge;
import dev.kvstore.node.raft.FollowerAppenders;
import dev.kvstore.node.raft.LeaseExpiry;
import dev.kvstore.node.raft.LocalMember;
import dev.kvstore.node.raft.MembershipAdmin;
import dev.kvstore.node.raft.OnDemandSnapshot;
import dev.kvstore.node.raft.OutsideConfigurationCheck;
import dev.kvstore.node.raft.PeerAdminClients;
import dev.kvstore.node.raft.PeerConnections;
import dev.kvstore.node.raft.PeerQueries;
import dev.kvstore.node.raft.PeerQueryClient;
import dev.kvstore.node.raft.RaftSettings;
import dev.kvstore.node.raft.RaftStopReason;
import dev.kvstore.node.raft.ReadBarrier;
import dev.kvstore.node.raft.ReadIndexRound;
import dev.kvstore.node.raft.StalledFollowerLinks;
import dev.kvstore.node.raft.StartupCatchUp;
import dev.kvstore.node.request.AuthRequests;
import dev.kvstore.node.request.ClusterRequests;
import dev.kvstore.node.request.LeaseRequests;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.node.request.RaftKv;
import dev.kvstore.node.request.RaftLeases;
import dev.kvstore.node.request.RaftMembership;
import dev.kvstore.node.request.RangePages;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.node.security.ClientIdentity;
import dev.kvstore.node.security.TransportSecurity;
import dev.kvstore.ratispatches.RatisPatches;
import dev.kvstore.statemachine.KvStateMachine;
import dev.kvstore.statemachine.MvccStore;
import dev.kvstore.statemachine.WatchCancellation;
import dev.kvstore.statemachine.WatchHub;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.LeaseExpireOp;
import dev.kvstore.statemachine.proto.ReadBarrierOp;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kvstore process: a Ratis server holding the replicated state machine, and the client-facing
 * gRPC server (KvStore, Maintenance, health, reflection). This is also the embedding entry point:
 * tests and programs start a node in-process with {@link #start(NodeConfig)}.
 */
public final class KvNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KvNode.class);
  private static final long HAND_OFF_TIMEOUT_MS = 3_000;
  /**
   * Largest request message the client server's transport accepts (64 MiB). grpc-java ends a call
   * whose message is larger with RESOURCE_EXHAUSTED "gRPC message exceeds maximum size" and offers
   * no hook to answer otherwise, so this sits far above every documented limit: every request up
   * to it reaches {@link ServiceGuard}, which answers INVALID_ARGUMENT naming the limit (and, above
   * {@link RequestLimits#MAX_REQUEST_BYTES}, without parsing it). The cost: the transport buffers a
   * message whole before handing it over, so each call that is receiving one can hold up to this
   * much (Netty direct memory), until the guard drops it.
   */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;
  /**
   * Largest request metadata the transport accepts (64 KiB), above the documented
   * {@link RequestLimits#MAX_METADATA_BYTES} for the same reason: up to it, {@link ServiceGuard}
   * answers INVALID_ARGUMENT naming the limit; beyond it the transport answers HTTP 431.
   */
  static final int MAX_INBOUND_METADATA_BYTES = 64 << 10;
  /** At most one log line per kind of refused request per this long: clients cannot flood the log. */
  private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
  /** How often the leader checks whether history is due for compaction: cheap, two volatile reads. */
  private static final Duration AUTO_COMPACTION_CHECKS = Duration.ofSeconds(1);
  /** How often a node with an initial root password checks whether it should set authentication up. */
  private static final Duration AUTH_BOOTSTRAP_CHECKS = Duration.ofMillis(500);
  /** How often the leader looks for leases that ran out of time: a lease ends at most this late. */
  private static final Duration LEASE_CHECK_INTERVAL = Duration.ofMillis(250);

  /**
   * Longest a membership change may take: adding a member waits until it has caught up with the
   * leader (a snapshot to install), far longer than a write.
   */
  private static final Duration MEMBERSHIP_TIMEOUT = Duration.ofSeconds(60);
  /** Most log entries a learner's commit index may trail the leader's for it to be promoted (Ratis's staging gap). */
  private static final long PROMOTE_MAX_LAG = 1000;
  /** How often the node notes whether it knows a leader and is in the configuration, to explain a stop. */
  private static final long STOP_REASON_SAMPLE_MS = 200;
  /** How often a starting node tries a read barrier until one passes ({@link StartupCatchUp}). */
  private static final Duration STARTUP_CATCH_UP_INTERVAL = Duration.ofMillis(100);
  /** How often a node without a leader checks whether the cluster counts it as a member at all. */
  private static final long OUTSIDE_CHECK_MS = 1_000;

  private final NodeConfig config;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private KvStateMachine stateMachine;
  private NodeMetrics metrics;
  private LocalMember member;
  private RaftStopReason stopReason;
  private Server clientServer;
  private StartupCatchUp startupCatchUp;
  private boolean closed;
  private volatile boolean handOffOnClose = true;

  private KvNode(NodeConfig config) {
    this.config = config;
  }

  private void boot() throws IOException {
    RaftGroup group = RaftSettings.group(config);
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, NodeThreads.named(config.nodeId() + "-timer"));
    track(() -> shutdown(scheduler));
    ExecutorService watchSenders = Executors.newFixedThreadPool(2, NodeThreads.named(config.nodeId() + "-watch"));
    track(() -> shutdown(watchSenders));
    ExecutorService blockingCalls = Executors.newCachedThreadPool(NodeThreads.named(config.nodeId() + "-admin"));
    track(() -> shutdown(blockingCalls));
    ExecutorService raftCalls = Executors.newFixedThreadPool(4, NodeThreads.named(config.nodeId() + "-raft-calls"));
    track(() -> shutdown(raftCalls));
    ExecutorService responses = Executors.newFixedThreadPool(4, NodeThreads.named(config.nodeId() + "-responses"));
    track(() -> shutdown(responses));
    // Before anything listens: a missing or bad certificate file stops the start here, named.
    TransportSecurity security = TransportSecurity.start(config.tls(), scheduler);
    track(security);

    // First, so that a slow start (a long log replay, a large snapshot) can be watched.
    metrics = startMetrics();
    track(metrics);
    // Every revision stays until the leader's compaction (AutoCompactor, or the Compact RPC) comes through the log.
    MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    WatchHub hub = new WatchHub(store, config.watch().queueCapacity(), metrics.stateMachineObserver());
    stateMachine = new KvStateMachine(store, hub, metrics.stateMachineObserver(), config.raft().snapshotThreshold());
    metrics.gaugeState(store, hub);
    stateMachine.addLeaderListener(metrics::leaderChanged);
    FollowerAppenders appenders = new FollowerAppenders();
    // The member is created once the Raft server has started (below); until then (no followers to
    // tell yet anyway) entries count as not the last, which keeps the delayed check.
    CommitBroadcast commitBroadcast = new CommitBroadcast(appenders::running,
        () -> member == null ? Long.MAX_VALUE : member.nextLogIndex(),
        (task, delayNanos) -> scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS), System::nanoTime);
    stateMachine.appliedIndex().addListener(commitBroadcast::applied);
    // Measured before Raft starts: a node restarted over its quota refuses writes from its first term as leader.
    StorageQuota quota = new StorageQuota(config.nodeId(), config.raft().quotaBackendBytes(),
        () -> StorageQuota.directorySize(config.dataDir())).start(scheduler);
    track(quota);
    metrics.gaugeStorageQuota(quota);
    stateMachine.checkStorageQuota(quota);
    if (config.raft().quotaBackendBytes() > 0
        && config.raft().quotaBackendBytes() < 4 * config.raft().logSegmentBytes()) {
      LOG.warn("{}: --quota-backend-bytes {} is less than 4 log segments ({} bytes each): the open segment and the"
          + " entries kept behind a snapshot are never purged, so compaction and snapshots may not bring the data"
          + " directory back below the quota", config.nodeId(), config.raft().quotaBackendBytes(),
          config.raft().logSegmentBytes());
    }
    // A Ratis bug kvstore patches would come back, silently, if the class path put ratis-server first.
    RatisPatches.requireLoaded();
    RaftServer raftServer = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setGroup(group)
        .setStateMachine(stateMachine)
        .setProperties(RaftSettings.serverProperties(config))
        .setParameters(security.applyToPeers(RaftSettings.serverParameters(appenders)))
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    track(raftServer);
    raftServer.start();
    if (config.joinExisting()) {
      LOG.info("{}: Raft server started on {}:{} to join group {}: waiting until a member adds it ({} member add {} {}"
          + " --client-address {})", config.nodeId(), config.bindAddress(), config.raftPort(), group.getGroupId(),
          "kvstore", config.nodeId(), config.self().address(), config.clientAddress());
    } else {
      LOG.info("{}: Raft server started on {}:{} in group {} with peers {}", config.nodeId(), config.bindAddress(),
          config.raftPort(), group.getGroupId(), config.peers());
    }

    member = new LocalMember(raftServer, group.getGroupId());
    stopReason = new RaftStopReason(member);
    ScheduledFuture<?> stopReasonSamples = stopReason.start(scheduler, STOP_REASON_SAMPLE_MS);
    track(() -> stopReasonSamples.cancel(false));
    RaftClientRpc peerRpc = new GrpcFactory(security.applyToPeers(new Parameters()))
        .newRaftClientRpc(ClientId.randomId(), RaftSettings.clientProperties(config));
    PeerConnections peers = new PeerConnections(peerRpc, blockingCalls, member::peersForRatisClients);
    track(peers);
    CommandSubmitter writes = new CommandSubmitter(member, peers, scheduler, raftCalls);
    track(writes);
    stateMachine.addLeaderListener(writes::leaderChanged);
    Command barrier = Command.newBuilder().setReadBarrier(ReadBarrierOp.getDefaultInstance()).build();
    CommitNudge commits = new CommitNudge(stateMachine.appliedIndex(),
        () -> writes.submit(barrier, config.requestTimeout()), scheduler);
    Supplier<RaftGroup> liveGroup = () -> RaftGroup.valueOf(group.getGroupId(), member.peersForRatisClients());
    PeerAdminClients admin = new PeerAdminClients(liveGroup, RaftSettings.clientProperties(config),
        security.applyToPeers(new Parameters()));
    track(admin);
    RaftClientRpc queryRpc = new GrpcFactory(security.applyToPeers(new Parameters()))
        .newRaftClientRpc(ClientId.randomId(), RaftSettings.clientProperties(config));
    PeerConnections queryConnections = new PeerConnections(queryRpc, blockingCalls, member::peersForRatisClients);
    track(queryConnections);
    PeerQueryClient peerQueries = new PeerQueryClient(queryConnections, group.getGroupId());
    ReadIndexRound readIndex = new ReadIndexRound(member, peerQueries,
        timeout -> writes.submit(barrier, timeout).thenApply(Applied::logIndex), config.raft().electionTimeout(),
        (task, delayNanos) -> scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS));
    ReadBarrier reads = new ReadBarrier(readIndex, commits::applied, responses);
    startupCatchUp = new StartupCatchUp(config.nodeId(), reads::await,
        config.raft().electionTimeout().multipliedBy(4)).start(scheduler, STARTUP_CATCH_UP_INTERVAL);
    track(startupCatchUp);
    LeaseExpiry.Proposer expiries = (ids, term) -> writes.submit(
        Command.newBuilder().setLeaseExpire(LeaseExpireOp.newBuilder().addAllIds(ids).setTerm(term)).build(),
        config.requestTimeout()).thenApply(Applied::result);
    LeaseExpiry leaseExpiry = new LeaseExpiry(member, stateMachine.leases()::grantedTtl, stateMachine.leases()::all,
        expiries, System::nanoTime);
    stateMachine.leases().listen(leaseExpiry);
    track(leaseExpiry.start(scheduler, LEASE_CHECK_INTERVAL));
    PeerQueries peerAnswers = new PeerQueries(member, reads, config.raft().electionTimeout(), leaseExpiry,
        writes::submitAll);
    stateMachine.answerPeerQueries(peerAnswers);
    metrics.gaugeRaft(member, new RaftMetrics.Queues(writes::proposalsInFlight, writes::commandsQueued,
        reads::roundsInFlight, reads::readsQueued));

    track(new AutoCompactor(config.nodeId(), config.compaction(), store, member::isLeaderReady,
        command -> writes.submit(command, config.requestTimeout()).thenApply(Applied::result), System::nanoTime)
        .start(scheduler, AUTO_COMPACTION_CHECKS));

    if (config.auth().initialRootPasswordFile() != null) {
      PasswordHashes rootHashes = new PasswordHashes(config.auth().bcryptCost(), new SecureRandom());
      String rootPassword = config.auth().initialRootPassword();
      track(new AuthBootstrap(config.nodeId(), () -> rootHashes.hash(rootPassword), blockingCalls,
          stateMachine.auth()::current, member::isLeaderReady,
          command -> writes.submit(command, config.requestTimeout()).thenApply(Applied::result), new SecureRandom())
          .start(scheduler, AUTH_BOOTSTRAP_CHECKS));
    }

    ResponseHeaders headers = new ResponseHeaders(member, stateMachine.readView());
    RaftFailures failures = new RaftFailures(member);
    RaftKv requests = new RaftKv(stateMachine.readView(), writes, reads, commits, failures, headers, responses,
        new RangePages(store, headers));
    LeaseRequests leaseRequests = new RaftLeases(requests, stateMachine.leases(), peerAnswers, peerQueries, member,
        headers, responses, minLeaseTtlSeconds(config.raft().electionTimeout()));
    Permissions permissions = new Permissions(stateMachine.auth()::current);
    AuthTokens tokens = new AuthTokens(Clock.systemUTC(), config.auth().tokenTtl());
    SecureRandom random = new SecureRandom();
    AuthRequests authRequests = new RaftAuth(requests, permissions, new PasswordHashes(config.auth().bcryptCost(), random),
        tokens, headers, random);
    OutsideConfigurationCheck outside = new OutsideConfigurationCheck(member,
        peer -> admin.forPeer(peer.getId()).getGroupManagementApi(peer.getId()).info(group.getGroupId()),
        config.raft().electionTimeout().multipliedBy(4).toNanos(), System::nanoTime, blockingCalls, reason -> {
          LOG.error("{}: {}; stopping its Raft server", config.nodeId(), reason);
          stopReason.refused(reason);
          try {
            raftServer.close();
          } catch (IOException e) {
            LOG.warn("{}: stopping the Raft server: {}", config.nodeId(), e.toString());
          }
        });
    ScheduledFuture<?> outsideChecks = outside.start(scheduler, OUTSIDE_CHECK_MS);
    track(() -> outsideChecks.cancel(false));
    ClusterRequests membership = new RaftMembership(member, new MembershipAdmin(member,
        RaftSettings::clientProperties, security.applyToPeers(new Parameters())), headers, blockingCalls,
        PROMOTE_MAX_LAG, config.raft().electionTimeout());
    HealthStatusManager health = new HealthStatusManager();
    NodeHealth nodeHealth = new NodeHealth(health, config.nodeId(), member::isRunning, member::leaderId,
        startupCatchUp::caughtUp, scheduler);
    // Four election timeouts (3 s by default): a live follower answers every heartbeat (Ratis sends
    // one each half election timeout), and a busy one (a snapshot to load, a long pause) loses little.
    track(new StalledFollowerLinks(config.nodeId(), member::followerSilences, member::renewConnection,
        config.raft().electionTimeout().multipliedBy(4), () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()))
        .start(scheduler));
    // Four election timeouts: long enough for an election or two, short enough to matter.
    track(new LeaderlessWatchGuard(member, hub, config.raft().electionTimeout().multipliedBy(4), scheduler));

    ServiceGuard guard = new ServiceGuard(
        new RateLimitedLog(LoggerFactory.getLogger(ServiceGuard.class), REFUSAL_LOG_INTERVAL, System::nanoTime));
    AuditTrail audit = startAudit();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.clientPort()));
    if (config.rateLimits().on()) {
      CallerBuckets buckets = new CallerBuckets(config.rateLimits(), System::nanoTime);
      track(buckets.startSweeps(scheduler));
      // Runs after Authentication (interceptors added first run last): the user is known by then.
      builder.intercept(new RateLimiting(buckets,
          new RateLimitedLog(LoggerFactory.getLogger(RateLimiting.class), REFUSAL_LOG_INTERVAL, System::nanoTime)));
    }
    clientServer = builder
        // Handlers run on the event loop: none blocks (writes and linearizable reads complete
        // later, admin calls that wait go to blockingCalls), so gRPC's cached default executor
        // would only add a thread hop per call.
        .directExecutor()
        // Null: plaintext.
        .sslContext(security.clientServerContext().orElse(null))
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .maxInboundMetadataSize(MAX_INBOUND_METADATA_BYTES)
        .addStreamTracerFactory(new TransportRejections(
            new RateLimitedLog(LoggerFactory.getLogger(TransportRejections.class), REFUSAL_LOG_INTERVAL, System::nanoTime)))
        // Clients ping long-lived watch streams to notice a silent node; allow it (kvstore's
        // client pings every 10 s), and ping idle clients ourselves to drop dead connections.
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        // Innermost of the interceptors: metrics and hints see its refusals too.
        .intercept(new Authentication(stateMachine.auth()::current, startupCatchUp::caughtUp, config.nodeId(), tokens,
            ClientIdentity::current))
        // The mTLS client certificate's CN in each call's context, for authentication (runs before it).
        .intercept(new ClientIdentity())
        // Before authentication and the rate limit: their refusals are audited too.
        .intercept(audit.calls())
        // Responses compressed as the request was (gzip), refusals included.
        .intercept(new ResponseCompression())
        // Outermost, so that the guard's refusals carry the hints too.
        .intercept(new MemberHintTrailers(member, stateMachine.readView()::revision))
        // Added last, so it runs first: it times everything below and sees the status sent.
        .intercept(metrics.rpcInterceptor())
        // Every service behind the guard: malformed requests never reach them (see ServiceGuard).
        .addService(guard.wrap(audit.requests(new KvStoreService(new AuthorizedKv(requests, permissions),
            new RequestBudget(config.requestTimeout()), hub, headers, watchSenders, permissions))))
        .addService(guard.wrap(new WatchService(hub, headers, watchSenders, scheduler,
            config.watch().progressInterval(), permissions)))
        .addService(guard.wrap(audit.requests(new AuthService(authRequests, new RequestBudget(config.requestTimeout())))))
        .addService(guard.wrap(audit.requests(new LeaseService(leaseRequests,
            new RequestBudget(config.requestTimeout()), config.requestTimeout()))))
        .addService(guard.wrap(audit.requests(new ClusterService(membership, new RequestBudget(MEMBERSHIP_TIMEOUT),
            permissions))))
        .addService(guard.wrap(audit.requests(new MaintenanceService(liveGroup, member, admin, headers, blockingCalls,
            onDemandSnapshots(admin), backups(requests, group, headers, blockingCalls), permissions))))
        .addService(guard.wrap(health.getHealthService()))
        .addService(guard.wrap(ProtoReflectionServiceV1.newInstance()))
        .build();
    // Tracked before it starts: a failed start may still hold threads that must be released.
    track(() -> clientServer.shutdownNow());
    try {
      clientServer.start();
    } catch (IOException e) {
      throw new IOException("cannot listen for clients on " + config.bindAddress() + ":" + config.clientPort() + ": "
          + rootMessage(e), e);
    }
    // Closed first on shutdown: stop taking requests, end watches, then stop Raft.
    track(() -> stopClientServer(nodeHealth));
    // Before that: a leader that is told to stop hands over, so writes pause for one round trip
    // instead of a whole election timeout.
    track(() -> handOffLeadership(admin));
    LOG.info("{}: serving clients on {}:{}", config.nodeId(), config.bindAddress(), config.clientPort());
  }

  /**
   * The shortest lease TTL granted, in seconds: one and a half maximum election timeouts (which is
   * 1.5 times the configured minimum) rounded up, as etcd's {@code minTTL}, so that a keep-alive
   * every third of a TTL has room for a retry; 2 s with the default 750 ms.
   */
  static long minLeaseTtlSeconds(Duration electionTimeout) {
    long maxElectionMs = electionTimeout.toMillis() * 3 / 2;
    return Math.max(1, (maxElectionMs * 3 / 2 + 999) / 1000);
  }

  /** The audit trail of the client API, or {@link AuditTrail#off()}; its file is closed with the node. */
  private AuditTrail startAudit() throws IOException {
    if (!config.audit().on()) {
      return AuditTrail.off();
    }
    AuditLog log = AuditLog.open(config.audit(), "kvstore.audit." + config.nodeId() + "." + System.identityHashCode(this));
    track(log);
    LOG.info("{}: audit log in {}", config.nodeId(), config.audit().file().toAbsolutePath());
    return new AuditTrail(log, config.nodeId(), Clock.systemUTC());
  }

  /** Snapshots asked for through {@code Maintenance.Snapshot}, triggered through Ratis's snapshot API on this node. */
  private OnDemandSnapshot onDemandSnapshots(PeerAdminClients admin) {
    RaftPeerId self = RaftPeerId.valueOf(config.nodeId());
    OnDemandSnapshot.RatisSnapshotCall ratis = timeout -> {
      RaftClientReply reply = admin.forPeer(self).getSnapshotManagementApi(self).create(true, timeout.toMillis());
      if (!reply.isSuccess()) {
        throw new IOException(reply.getException() == null ? "Ratis refused the snapshot"
            : reply.getException().getMessage(), reply.getException());
      }
      return reply.getLogIndex();
    };
    return new OnDemandSnapshot(stateMachine::requestSnapshot, stateMachine::snapshotInProgress, member::snapshotIndex,
        ratis);
  }

  /**
   * Backups through {@code Maintenance.Backup}: a linearizable read barrier, then the state machine's
   * state held at the revision reached, streamed on {@code writers}.
   */
  private BackupStream backups(RaftKv requests, RaftGroup group, ResponseHeaders headers, ExecutorService writers) {
    BackupHeader identity = BackupHeader.newBuilder()
        .setClusterId(group.getGroupId().getUuid().toString())
        .setClusterName(config.clusterId())
        .setMemberId(config.nodeId())
        .build();
    return new BackupStream(wait -> requests.read(ReadConsistency.LINEARIZABLE, wait, false,
        stateMachine::openSnapshotSource), identity, headers, new RequestBudget(config.requestTimeout()), writers,
        Clock.systemUTC());
  }

  private NodeMetrics startMetrics() throws IOException {
    if (!config.metricsOn()) {
      LOG.info("{}: metrics are off", config.nodeId());
      return NodeMetrics.off();
    }
    String version = KvNode.class.getPackage().getImplementationVersion();
    return NodeMetrics.serve(new InetSocketAddress(config.bindAddress(), config.metricsPort()), config.nodeId(),
        config.clusterId(), version == null ? "development" : version, config.dataDir());
  }

  /**
   * Starts a node and returns once its servers listen (a leader may not be elected yet).
   *
   * @throws IllegalArgumentException when the configuration is invalid
   * @throws IOException              when a port is taken or the data directory is unusable
   */
  public static KvNode start(NodeConfig config) throws IOException {
    config.validate();
    NodePreflight.check(config);
    KvNode node = new KvNode(config);
    try {
      node.boot();
      return node;
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: start failed ({}), releasing what was started", config.nodeId(), e.getMessage());
      node.close();
      throw e;
    }
  }

  private void track(AutoCloseable resource) {
    resources.push(resource);
  }

  public NodeConfig config() {
    return config;
  }

  /** The port clients connect to (useful when the node was configured with port 0 in tests). */
  public int clientPort() {
    return clientServer.getPort();
  }

  /** The port metrics are served on, 0 when they are off. */
  public int metricsPort() {
    return metrics.port();
  }

  public KvStateMachine stateMachine() {
    return stateMachine;
  }

  /** The leader this node knows of, if any. */
  public Optional<String> leaderId() {
    return member.isRunning() ? member.leaderId() : Optional.empty();
  }

  public boolean isLeader() {
    return member.isRunning() && member.role() == MemberRole.LEADER;
  }

  /**
   * Whether this node has caught up with the leader since it started ({@link StartupCatchUp});
   * until then, while its auth state says authentication is off, it refuses client calls.
   */
  public boolean caughtUpSinceStart() {
    return startupCatchUp != null && startupCatchUp.caughtUp();
  }

  /** False once the Raft server has stopped, whether asked to or on its own. */
  public boolean isRaftRunning() {
    return member.isRunning();
  }

  /** Why the Raft server stopped on its own (e.g. the cluster does not count this node as a member); empty while it runs. */
  public String stopReason() {
    return stopReason.explain();
  }

  /** Index of the last log entry applied to this node's state machine. */
  public long appliedIndex() {
    return member.appliedIndex();
  }


  private void stopClientServer(NodeHealth nodeHealth) throws InterruptedException {
    nodeHealth.close();
    clientServer.shutdown();
    stateMachine.watchHub().cancelAll(WatchCancellation.Reason.SHUTDOWN,
        "node " + config.nodeId() + " is shutting down");
    if (!clientServer.awaitTermination(2, TimeUnit.SECONDS)) {
      clientServer.shutdownNow();
      clientServer.awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private void handOffLeadership(PeerAdminClients admin) {
    if (!handOffOnClose || !isLeader()) {
      return;
    }
    RaftPeerId self = member.peerId();
    for (String follower : member.responsiveFollowers(config.raft().electionTimeout().toMillis())) {
      try {
        RaftClientReply reply = admin.forPeer(self).admin()
            .transferLeadership(RaftPeerId.valueOf(follower), self, HAND_OFF_TIMEOUT_MS);
        if (reply.isSuccess()) {
          LOG.info("{}: handed leadership to {} before stopping (term {})", config.nodeId(), follower, member.term());
          return;
        }
        LOG.info("{}: could not hand leadership to {}: {}", config.nodeId(), follower, reply.getException());
      } catch (IOException | RuntimeException e) {
        LOG.info("{}: could not hand leadership to {}: {}", config.nodeId(), follower, e.toString());
      }
    }
  }

  /** While this node leads: ms since each follower (learners too) last answered it; empty otherwise. For tests. */
  Map<String, Long> followerSilencesMs() {
    Map<String, Long> silences = new HashMap<>();
    member.followerSilences().forEach((peer, ms) -> silences.put(peer.toString(), ms));
    return silences;
  }

  /** Stops like a crash would as far as the cluster can tell: no leadership hand-off. For tests. */
  void closeWithoutHandOff() {
    handOffOnClose = false;
    close();
  }

  private static void shutdown(ExecutorService executor) throws InterruptedException {
    executor.shutdownNow();
    executor.awaitTermination(2, TimeUnit.SECONDS);
  }

  /** Stops serving clients, then stops the Raft server (which takes a final snapshot). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("{}: shutting down", config.nodeId());
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        LOG.warn("{}: error while shutting down: {}", config.nodeId(), e.toString());
      }
    }
    LOG.info("{}: stopped", config.nodeId());
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
