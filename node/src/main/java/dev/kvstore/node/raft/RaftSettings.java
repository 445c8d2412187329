package dev.kvstore.node.raft;

import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Translates a {@link NodeConfig} into the Ratis group and properties, with the reasons for each choice. */
public final class RaftSettings {

  /** Bytes of log entries per append batch: two of the largest commands, whatever their content. */
  static final int APPEND_BUFFER_BYTES = 2 * RequestLimits.MAX_REQUEST_BYTES;
  /** Largest gRPC message between peers: an append batch plus Ratis's required 1 MB margin, with room. */
  static final int PEER_MESSAGE_BYTES = 16 << 20;
  /** Snapshot file bytes per install-snapshot message: well below {@link #PEER_MESSAGE_BYTES}. */
  static final int SNAPSHOT_CHUNK_BYTES = 4 << 20;
  /** Log entries after a snapshot from which Ratis asks the state machine whether the next one is due. */
  static final long SNAPSHOT_CHECK_ENTRIES = 1024;
  /** Closed log segments whose entries stay in memory (the open one always does). */
  static final int LOG_CACHE_CLOSED_SEGMENTS = 2;
  /** Log entry bytes in memory, open segment included, beyond which closed segments' entries are dropped. */
  static final long LOG_CACHE_BYTES = 64L << 20;

  /** The data directory's folder that holds the Ratis storage: one folder per group, named by its id. */
  static final String STORAGE_DIR = "raft";

  private RaftSettings() {}

  /** Same cluster id, same group id on every node, without having to pass a UUID around. */
  static RaftGroupId groupId(String clusterId) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("kvstore:" + clusterId).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The Raft group of {@code config}: its id from the cluster id, its members from the peers (with
   * their client addresses where given; this node's always), or no members at all for a node that joins a running
   * cluster: Ratis then starts it outside the configuration, where it never campaigns, until a
   * leader's configuration names it. Only a new data directory takes its members from here; after
   * that they come from the log.
   */
  public static RaftGroup group(NodeConfig config) {
    RaftGroupId id = groupId(config.clusterId());
    if (config.joinExisting()) {
      return RaftGroup.valueOf(id, List.of());
    }
    List<RaftPeer> peers = config.peers().stream()
        .map(p -> p.id().equals(config.nodeId())
            ? new Membership.Member(p.id(), p.address(), config.clientAddress(), false).toRaftPeer()
            : new Membership.Member(p.id(), p.address(), p.clientAddress(), false).toRaftPeer())
        .toList();
    return RaftGroup.valueOf(id, peers);
  }

  /** The properties of this node's Raft server (storage, address, timeouts, sizes), each with its reason. */
  public static RaftProperties serverProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve(STORAGE_DIR).toFile()));
    GrpcConfigKeys.Server.setHost(p, config.bindAddress());
    GrpcConfigKeys.Server.setPort(p, config.raftPort());
    // Ratis's gRPC transport, recording the leader's log appenders for CommitBroadcast: the
    // server's Parameters must hold the FollowerAppenders (see serverParameters).
    RaftConfigKeys.Rpc.setType(p, new AppenderTrackingGrpc());

    // No Ratis read options: kvstore never reads through Ratis. Linearizable reads use a read index
    // of kvstore's own (see ReadIndexRound), because Ratis 3.3.0's can answer from a deposed leader;
    // the nodes ask each other through Ratis stale reads, which are not affected by those options.

    long election = config.raft().electionTimeout().toMillis();
    // Followers wait a random time in [min, 1.5 x min] without a heartbeat before they elect a new
    // leader. The usual 2 x spreads that wait over a whole extra election timeout, and the worst
    // case is what a client sees when a leader dies; half of it still keeps two followers from
    // starting elections at the same moment (a few ms of vote round trip against 500 ms at 1 s).
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(election));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(election + election / 2));
    // A leader that stepped down because it lost its followers' heartbeats (it was cut off) may
    // not stand for election for this long afterwards; Ratis's default is 10 s. With pre-vote on
    // (Ratis's default) such a node cannot disrupt a group that has a live leader anyway, and when
    // the leader that replaced it fails, it may hold the only complete log among the survivors:
    // then nobody could win until the 10 s were over (seen in the failover suite: pause-leader
    // right after partition-leader, writes unavailable for 5.6 s, 2 runs in 5). One election
    // timeout keeps it from campaigning the moment it steps down, and no longer.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, millis(election));

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    // How often Ratis asks the state machine, not how often it takes one: a snapshot is due after
    // --snapshot-threshold writes or entries (KvStateMachine), and one entry holds a batch of writes,
    // so Ratis must ask before the threshold's worth of entries. It asks after every batch of applies
    // once this many entries passed; the state machine answers -1 until one is due.
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotCheckEntries(config.raft().snapshotThreshold()));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // Without purging up to the snapshot the log would grow until the next purge gap only.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, config.raft().logKeptAfterSnapshot());
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.raft().snapshotThreshold()));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.raft().logSegmentBytes()));
    // Log entries Ratis keeps in memory besides the open segment's: it sends followers that keep up
    // from memory and reads older entries back from disk for those that lag. Ratis's default (6
    // closed segments, up to 200 MB) held 50-200 MB of heap with a million keys, a third of the
    // store itself, for followers that are rarely that far behind.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, LOG_CACHE_CLOSED_SEGMENTS);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(LOG_CACHE_BYTES));
    // With heartbeats on a channel of their own, a new leader whose follower lagged by a few entries
    // got INCONSISTENCY replies to heartbeats (sent with the already advanced nextIndex) and its
    // appender to that follower stopped sending entries: with one follower down, no more commits
    // (seen in the container partition and pause scenarios; cf. RATIS-2242). One channel keeps
    // heartbeats and entries in order.
    GrpcConfigKeys.Server.setHeartbeatChannel(p, false);
    // No METADATA entry after every commit advance (Ratis's default), which only records the commit
    // index so a restarted node can apply committed entries before it hears from a leader (it hears
    // within an election timeout). It doubled the entries and fsyncs per write, and Ratis 3.3.0 raced
    // one of them arriving during a snapshot install against the install: the follower's log worker
    // failed ("lastWrittenIndex == 4799, entry == index: 77 metadataEntry") and its Raft server shut
    // down (seen in the failover suite, a partitioned follower rejoining under load).
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // A follower chains its log appends on one future when this is on (Ratis's default), so a
    // single failed append fails every later one with the same exception: the follower is wedged
    // until restarted. One fails when a stale appendEntries (held up in TCP during a partition)
    // arrives just as a snapshot install replaced the log (Ratis 3.3.0 validates it before the
    // install and appends it after). Off, that one append fails alone and the leader resends.
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
    // After repeated errors to a follower (it is down or cut off), Ratis's default makes the leader
    // wait 1 s, then 5 s, between attempts, so a follower that comes back waits that long before the
    // leader even tries it. A failed attempt costs a refused connection or a timed-out request, so
    // keep trying every 250-750 ms (the wait is randomised around 500 ms) for as long as it takes.
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,20, 500ms,2000000000");

    // Sizes that depend on kvstore's request limits (RequestLimits). The largest command, a Put of a
    // 4096-byte key and a 1 MiB value with a request id, is about 1.05 MiB, and no request over
    // RequestLimits.MAX_REQUEST_BYTES (2 MiB) becomes a command. Ratis refuses to append a log entry
    // larger than the append buffer, and to read one back from a segment.
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPEND_BUFFER_BYTES));
    // Peer messages carry one append batch (Ratis wants 1 MB more than the buffer) or one snapshot chunk.
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(PEER_MESSAGE_BYTES));
    // Ratis's default chunk (16 MB) equals that message limit, so each chunk plus its header was a
    // few hundred bytes too large: a snapshot over 16 MB could never be installed on a follower.
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf(SNAPSHOT_CHUNK_BYTES));
    // Needs nothing: a log segment (--log-segment-size) smaller than an entry holds that entry alone,
    // and the 64 MB of pending writes Ratis admits (raft.server.write.byte-limit) hold dozens of them.
    return p;
  }

  /**
   * Parameters of the node's Raft server: where {@link AppenderTrackingGrpc} records the leader's log
   * appenders, and Ratis's gRPC servers running their handlers on their transport threads.
   */
  public static Parameters serverParameters(FollowerAppenders appenders) {
    Parameters parameters = new Parameters();
    parameters.put(AppenderTrackingGrpc.APPENDERS, appenders, FollowerAppenders.class);
    // Ratis's peer handlers (append entries, votes, client requests, our peer queries) return
    // futures: they hand work to the log worker's queue and the state machine and never wait for
    // another message. On gRPC's default executor every message cost a hand-off to a pooled thread:
    // with 64 puts in flight those threads took 66-72 µs of CPU per put over three nodes, 22-25 once
    // the handlers ran on the transport threads (what is left answers Ratis's own outgoing calls;
    // docs/benchmarks.md, "Where a put's CPU goes"). Stop 17 saw no gain with one put at a time.
    // What still holds a transport thread briefly: a vote's fsync, writing one snapshot chunk
    // (SNAPSHOT_CHUNK_BYTES) to the page cache, and a client request while Ratis's client executor
    // starts its transaction (executeSubmitClientRequestAsync joins it).
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> builder.directExecutor());
    return parameters;
  }

  /** Properties of the node's own Raft clients (writes to the leader, admin calls to peers). */
  public static RaftProperties clientProperties(NodeConfig config) {
    // One election timeout: a paused or cut-off leader still accepts connections, and each attempt
    // sent there costs this long before the client tries the next peer.
    return clientProperties(config.raft().electionTimeout());
  }

  /**
   * Properties of a Ratis client whose every call may take up to {@code requestTimeout}: membership
   * changes, which wait for a new member to catch up, and leadership transfers.
   */
  public static RaftProperties clientProperties(Duration requestTimeout) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeout.toMillis()));
    // Requests beyond this many in flight block the submitting thread inside Ratis.
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 2048);
    // A command and its reply (with a previous value) are each below RequestLimits.MAX_REQUEST_BYTES.
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(PEER_MESSAGE_BYTES));
    return p;
  }

  /** Ratis's auto-trigger threshold for a snapshot threshold of {@code writes}: at most {@link #SNAPSHOT_CHECK_ENTRIES}. */
  static long snapshotCheckEntries(long writes) {
    return Math.min(writes, SNAPSHOT_CHECK_ENTRIES);
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }
}
