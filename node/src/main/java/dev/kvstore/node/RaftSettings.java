package dev.kvstore.node;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Translates a {@link NodeConfig} into the Ratis group and properties, with the reasons for each choice. */
final class RaftSettings {

  private RaftSettings() {}

  /** Same cluster id, same group id on every node, without having to pass a UUID around. */
  static RaftGroupId groupId(String clusterId) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("kvstore:" + clusterId).getBytes(StandardCharsets.UTF_8)));
  }

  static RaftGroup group(NodeConfig config) {
    List<RaftPeer> peers = config.peers().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
        .toList();
    return RaftGroup.valueOf(groupId(config.clusterId()), peers);
  }

  static RaftProperties serverProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile()));
    GrpcConfigKeys.Server.setHost(p, config.bindAddress());
    GrpcConfigKeys.Server.setPort(p, config.raftPort());

    // Ratis serves reads from the leader's state machine without a read index unless told otherwise.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setTimeout(p, millis(config.requestTimeout().toMillis()));

    long election = config.raft().electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(election));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(2 * election));

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.raft().snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // Without purging up to the snapshot the log would grow until the next purge gap only.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, config.raft().logKeptAfterSnapshot());
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.raft().snapshotThreshold()));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.raft().logSegmentBytes()));
    // With heartbeats on a channel of their own, a new leader whose follower lagged by a few entries
    // got INCONSISTENCY replies to heartbeats (sent with the already advanced nextIndex) and its
    // appender to that follower stopped sending entries: with one follower down, no more commits
    // (seen in the container partition and pause scenarios; cf. RATIS-2242). One channel keeps
    // heartbeats and entries in order.
    GrpcConfigKeys.Server.setHeartbeatChannel(p, false);
    // After repeated errors to a follower (it is down or cut off), Ratis's default makes the leader
    // wait 1 s, then 5 s, between attempts, so a follower that comes back waits that long before the
    // leader even tries it. A failed attempt costs a refused connection or a timed-out request, so
    // keep trying every 250-750 ms (the wait is randomised around 500 ms) for as long as it takes.
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,20, 500ms,2000000000");
    // The default append batch (4 MB) holds a maximal 1 MiB value with room to spare.
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("16MB"));
    return p;
  }

  /** Properties of the node's own Raft clients (writes to the leader, admin calls to peers). */
  static RaftProperties clientProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    // One election timeout: a paused or cut-off leader still accepts connections, and each attempt
    // sent there costs this long before the client tries the next peer.
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(config.raft().electionTimeout().toMillis()));
    // Requests beyond this many in flight block the submitting thread inside Ratis.
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 2048);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("16MB"));
    return p;
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }
}
