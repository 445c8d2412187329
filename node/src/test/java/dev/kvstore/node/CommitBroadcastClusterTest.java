package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Followers learn of a commit soon after the leader applies it, not with the next heartbeat: with
 * a 4 s election timeout, Ratis's next heartbeat comes 2 s after the write's append was answered.
 */
class CommitBroadcastClusterTest {

  private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(4);

  @TempDir
  Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void followersApplyALoneWriteLongBeforeTheNextHeartbeat() {
    cluster = TestCluster.start(3, dir, c -> c.withRaft(new RaftTuning(ELECTION_TIMEOUT, c.raft().snapshotThreshold(),
        c.raft().logKeptAfterSnapshot(), c.raft().logSegmentBytes())));
    String leader = cluster.awaitLeader();
    // Settle first: the leader's first entries of its term are committed and known everywhere.
    long settled = cluster.node(leader).appliedIndex();
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.runningIds().stream()
        .allMatch(id -> cluster.node(id).appliedIndex() >= settled));

    for (int i = 0; i < 3; i++) {
      assertThat(cluster.kv(leader).put(put("broadcast/k", "v" + i)).getSuccess()).isTrue();
      long written = cluster.node(leader).appliedIndex();
      // Half the heartbeat interval: without the broadcast the followers would still be waiting.
      await().atMost(ELECTION_TIMEOUT.dividedBy(4)).pollInterval(Duration.ofMillis(5))
          .until(() -> cluster.runningIds().stream().allMatch(id -> cluster.node(id).appliedIndex() >= written));
    }
  }
}
