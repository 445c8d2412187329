package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.node.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/** The Ratis properties a node's configuration turns into, where kvstore departs from Ratis's defaults. */
class RaftSettingsTest {

  private static NodeConfig config(RaftTuning tuning) {
    return NodeConfig.of("n1", List.of(new Peer("n1", "127.0.0.1", 7001)), "127.0.0.1", 50051, Path.of("data"))
        .withRaft(tuning);
  }

  @Test
  void ratisAsksForSnapshotsOftenEnoughForAThresholdOfWrites() {
    RaftProperties large = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));
    RaftProperties small = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS.withSnapshots(300, 0)));

    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerEnabled(large)).isTrue();
    // 100,000 writes may be far fewer entries (a batch of writes per entry): Ratis asks from 1,024 on
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(large)).isEqualTo(RaftSettings.SNAPSHOT_CHECK_ENTRIES);
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(small)).isEqualTo(300);
  }

  @Test
  void fewLogEntriesStayInMemoryBesidesTheOpenSegment() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(properties)).isEqualTo(RaftSettings.LOG_CACHE_CLOSED_SEGMENTS);
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(properties).getSize())
        .isEqualTo(RaftSettings.LOG_CACHE_BYTES)
        .isLessThan(RaftServerConfigKeys.Log.SEGMENT_CACHE_SIZE_MAX_DEFAULT.getSize());
  }

  @Test
  void aLeaderCutOffMayStandAgainAfterOneElectionTimeoutNotTenSeconds() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(properties).toLong(TimeUnit.MILLISECONDS))
        .isEqualTo(RaftTuning.DEFAULTS.electionTimeout().toMillis())
        .isLessThan(RaftServerConfigKeys.LeaderElection.LEADER_STEP_DOWN_WAIT_TIME_DEFAULT.toLong(TimeUnit.MILLISECONDS));
    assertThat(RaftServerConfigKeys.LeaderElection.preVote(properties))
        .as("pre-vote keeps a cut-off member from disrupting a group with a live leader").isTrue();
  }

  @Test
  void theTransportRecordsTheLeadersLogAppenders() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(org.apache.ratis.RaftConfigKeys.Rpc.type(properties, message -> { }))
        .isInstanceOf(AppenderTrackingGrpc.class);
  }
}
