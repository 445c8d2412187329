package dev.kvstore.node;

import static dev.kvstore.node.Requests.localGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The largest valid requests pass every limit of Ratis and gRPC that sits behind kvstore's own:
 * accepted, replicated, readable on every node, kept in snapshots, and sent to a lagging follower
 * in a snapshot larger than one gRPC message; and no response they cause is larger than the 4 MiB
 * a gRPC client accepts by default (the test's channels keep that default).
 */
class MaximalRequestTest {

  /** Default inbound limit of gRPC clients (grpc-java, grpc-go, ...). */
  private static final int CLIENT_RECEIVE_LIMIT = 4 << 20;
  /** Enough maximal values for a snapshot of over 16 MiB: Ratis sends snapshots in chunks. */
  private static final int WRITES = 20;
  private static final String PREFIX = "\uD83D\uDE00".repeat(1023);

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** 1023 four-byte characters and four ASCII digits: 4096 bytes of UTF-8. */
  private static String maximalKey(int i) {
    return PREFIX + String.format("%04d", i);
  }

  private static ByteString maximalValue(int i) {
    byte[] value = new byte[RequestLimits.MAX_VALUE_BYTES];
    new Random(i).nextBytes(value);
    return ByteString.copyFrom(value);
  }

  private static PutRequest maximalPut(int i) {
    byte[] clientId = new byte[RequestLimits.MAX_CLIENT_ID_BYTES];
    new Random(-1).nextBytes(clientId);
    return PutRequest.newBuilder()
        .setKey(maximalKey(i))
        .setValue(maximalValue(i))
        .setPrevKv(true)
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFrom(clientId)).setSequence(Long.MAX_VALUE - i))
        .build();
  }

  private void assertHoldsEveryValue(String node) {
    for (int i = 0; i < WRITES; i++) {
      var read = cluster.kv(node).get(localGet(maximalKey(i)));
      assertThat(read.getFound()).as("key %d on %s", i, node).isTrue();
      assertThat(read.getValue().equals(maximalValue(i))).as("value %d on %s", i, node).isTrue();
      assertThat(read.getSerializedSize()).isLessThanOrEqualTo(CLIENT_RECEIVE_LIMIT);
    }
  }

  @Test
  void maximalWritesAreReplicatedSnapshottedAndInstalledOnALaggingFollower() {
    cluster = TestCluster.start(3, dir, c -> c.withRaft(c.raft().withSnapshots(8, 0).withLogSegmentBytes(1 << 20)));
    String leader = cluster.awaitLeader();
    String lagging = cluster.otherThan(leader);
    String follower = cluster.otherThan(leader, lagging);
    assertThat(maximalKey(0).getBytes(StandardCharsets.UTF_8)).hasSize(RequestLimits.MAX_KEY_BYTES);
    cluster.crashNode(lagging);

    for (int i = 0; i < WRITES; i++) {
      var response = cluster.kv(i % 2 == 0 ? leader : follower).put(maximalPut(i));
      assertThat(response.getSuccess()).isTrue();
    }
    // a retry of a maximal write (same request id) is recognised, and its answer fits a client
    var retried = cluster.kv(follower).put(maximalPut(WRITES - 1).toBuilder().setValue(maximalValue(WRITES - 1)).build());
    assertThat(retried.getSerializedSize()).isLessThanOrEqualTo(CLIENT_RECEIVE_LIMIT);
    assertHoldsEveryValue(leader);
    assertHoldsEveryValue(follower);

    // the leader purged the entries the lagging node misses: it can only catch up from a snapshot
    long leaderApplied = cluster.node(leader).appliedIndex();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      var snapshot = cluster.node(leader).stateMachine().getLatestSnapshot();
      return snapshot != null && snapshot.getIndex() > WRITES / 2;
    });
    long leaderSnapshot = cluster.node(leader).stateMachine().getLatestSnapshot().getIndex();
    cluster.startNode(lagging);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.node(lagging).appliedIndex() >= leaderApplied);
    cluster.awaitCaughtUpSinceStart(lagging);
    // it was sent the leader's snapshot, not the log
    assertThat(cluster.node(lagging).stateMachine().getLatestSnapshot().getIndex())
        .isGreaterThanOrEqualTo(leaderSnapshot);
    assertHoldsEveryValue(lagging);

    // a node restarted from its own snapshot and log has them too
    cluster.crashNode(follower);
    cluster.startNode(follower);
    cluster.awaitCaughtUpSinceStart(follower);
    assertHoldsEveryValue(follower);
  }

  @Test
  void getAllPagesAndWatchEventsOfMaximalEntriesFitAClient() throws Exception {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    long first = 0;
    for (int i = 0; i < 8; i++) {
      long revision = cluster.kv(leader).put(maximalPut(i)).getHeader().getRevision();
      first = first == 0 ? revision : first;
    }

    List<String> listed = new ArrayList<>();
    String after = "";
    GetAllResponse page;
    do {
      page = cluster.kv(cluster.otherThan(leader)).getAll(
          GetAllRequest.newBuilder().setPrefix(PREFIX).setStartAfter(after).build());
      assertThat(page.getSerializedSize()).isLessThanOrEqualTo(CLIENT_RECEIVE_LIMIT);
      assertThat(page.getKvsCount()).isPositive();
      page.getKvsList().stream().map(KeyValue::getKey).forEach(listed::add);
      after = listed.get(listed.size() - 1);
    } while (page.getMore());
    assertThat(listed).hasSize(8).doesNotHaveDuplicates();

    var events = KvStoreGrpc.newBlockingStub(cluster.channel(leader)).withDeadlineAfter(30, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setKey(PREFIX).setPrefix(true).setStartRevision(first).build());
    assertThat(events.next().getCreated()).isTrue();
    for (int i = 0; i < 8; i++) {
      WatchResponse event = events.next();
      assertThat(event.getSerializedSize()).isLessThanOrEqualTo(CLIENT_RECEIVE_LIMIT);
      assertThat(event.getKey()).isEqualTo(maximalKey(i));
      assertThat(event.getValue().equals(maximalValue(i))).isTrue();
    }
  }
}
