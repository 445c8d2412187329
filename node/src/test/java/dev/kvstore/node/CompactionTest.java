package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.raft.AutoCompaction;
import dev.kvstore.statemachine.ReadView;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compaction is decided by the leader and applied through the log: every member compacts at the
 * same revision, by hand (the Compact RPC) and automatically; watches replay any revision after it,
 * on any member, and are refused before it with the oldest one available.
 */
class CompactionTest {

  private static final long RETAINED = 40;

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(c -> c.withCompaction(AutoCompaction.revisions(RETAINED)));

  private static ReadView store(String id) {
    return SHARED.cluster().node(id).stateMachine().mvccView();
  }

  private static long compactedEverywhere() {
    List<Long> compacted = SHARED.cluster().ids().stream().map(id -> store(id).compactedRevision()).distinct().toList();
    return compacted.size() == 1 ? compacted.get(0) : -1;
  }

  @Test
  void theLeaderCompactsAutomaticallyAndEveryMemberAtTheSameRevision() {
    TestCluster cluster = SHARED.cluster();
    for (int i = 0; i < 3 * RETAINED; i++) {
      cluster.kv(cluster.ids().get(i % 3)).put(put("auto/" + (i % 7), "v" + i));
    }
    long current = store(cluster.awaitLeader()).currentRevision();
    // Compactions come in steps of an eighth of what is kept, so at most that much more stays.
    await().atMost(Duration.ofSeconds(20)).until(() -> compactedEverywhere() >= current - RETAINED - RETAINED / 8);
    long compacted = compactedEverywhere();
    assertThat(compacted).isLessThanOrEqualTo(current - RETAINED);
  }

  @Test
  void aCompactionByHandIsAppliedOnEveryMemberAndRefusedOutsideTheAvailableRevisions() {
    TestCluster cluster = SHARED.cluster();
    for (int i = 0; i < 10; i++) {
      cluster.kv("n1").put(put("by-hand", "v" + i));
    }
    long current = store("n1").currentRevision();
    CompactResponse compacted = cluster.kv("n2").compact(CompactRequest.newBuilder().setRevision(current).build());
    assertThat(compacted.getCompactRevision()).isEqualTo(current);
    assertThat(compacted.getHeader().getRevision()).as("compaction takes no revision").isEqualTo(current);
    await().atMost(Duration.ofSeconds(10)).until(() -> compactedEverywhere() == current);

    assertThatThrownBy(() -> cluster.kv("n3").compact(CompactRequest.newBuilder().setRevision(current).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).contains("already compacted");
        });
    assertThatThrownBy(() -> cluster.kv("n1").compact(CompactRequest.newBuilder().setRevision(current + 1000).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).contains("in the future");
        });
    assertThatThrownBy(() -> cluster.kv("n1").compact(CompactRequest.newBuilder().setRevision(0).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void everyMemberReplaysAWatchFromAnyRevisionAfterTheCompactedOne() {
    TestCluster cluster = SHARED.cluster();
    long from = store("n1").currentRevision() + 1;
    for (int i = 0; i < 5; i++) {
      cluster.kv("n1").put(put("replayed", "v" + i));
    }
    for (String id : cluster.ids()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> store(id).currentRevision() >= from + 4);
      Iterator<WatchResponse> stream = cluster.kv(id).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
          .watch(WatchRequest.newBuilder().setKey("replayed").setStartRevision(from).build());
      assertThat(stream.next().getCreated()).isTrue();
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        values.add(stream.next().getValue().toStringUtf8());
      }
      assertThat(values).as("replayed on %s", id).containsExactly("v0", "v1", "v2", "v3", "v4");
    }

    long current = store("n1").currentRevision();
    cluster.kv("n1").compact(CompactRequest.newBuilder().setRevision(current).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> compactedEverywhere() >= current);
    long compacted = compactedEverywhere();
    assertThatThrownBy(() -> cluster.kv("n2").withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setKey("replayed").setStartRevision(from).build()).next())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).contains(Long.toString(compacted + 1));
        });
  }
}
