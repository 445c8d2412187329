package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.WriteOutcome;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KvClientFailoverTest {

  // Short timeouts only where a timeout is the point: elsewhere a cold JVM on a loaded 2-core
  // machine could time out a first attempt and make a test take an unexpected path.
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(1200);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(300);
  // Slack for scheduling on a loaded 2-core machine; the bound under test is REQUEST_TIMEOUT.
  private static final Duration MARGIN = Duration.ofMillis(800);

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private FakeKvServer node(String id) {
    return cluster.node(id);
  }

  private KvClient client(String... endpoints) {
    KvClient client = KvClient.builder().endpoints(List.of(endpoints)).build();
    return cluster.track(client);
  }

  private KvClient impatientClient(String... endpoints) {
    KvClient client = KvClient.builder()
        .endpoints(List.of(endpoints))
        .requestTimeout(REQUEST_TIMEOUT)
        .attemptTimeout(ATTEMPT_TIMEOUT)
        .build();
    return cluster.track(client);
  }

  @Test
  void failsOverFromDeadEndpointToLiveOne() {
    FakeKvServer live = node("n2");
    KvClient client = client(FakeKvServer.deadEndpoint(), live.endpoint());

    assertThat(client.put("k", "v").getSuccess()).isTrue();
    assertThat(client.get("k").getValue().toStringUtf8()).isEqualTo("v");
    assertThat(live.<PutRequest>requests("Put")).hasSize(1);
  }

  @Test
  void retriesUnavailableOnAnotherNodeWithTheSameRequestId() {
    FakeKvServer first = node("n1").failNext("Put", Status.UNAVAILABLE.withDescription("no leader within 1s"));
    FakeKvServer second = node("n2");
    KvClient client = client(first.endpoint(), second.endpoint());

    client.put("k", "v");

    PutRequest onFirst = first.<PutRequest>requests("Put").get(0);
    PutRequest onSecond = second.<PutRequest>requests("Put").get(0);
    assertThat(onFirst.getRequestId()).isEqualTo(onSecond.getRequestId());
    assertThat(onFirst.getRequestId().getClientId().size()).isEqualTo(16);
    assertThat(onFirst.getRequestId().getSequence()).isEqualTo(1);
    assertThat(store.get("k")).isPresent();
  }

  @Test
  void differentWritesGetDifferentSequencesAndClientsDifferentIds() {
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());
    KvClient other = client(server.endpoint());

    client.put("a", "1");
    client.put("b", ByteString.copyFromUtf8("2"), true);
    client.delete("a");
    other.put("c", "3");

    List<PutRequest> puts = server.requests("Put");
    DeleteRequest delete = server.<DeleteRequest>requests("Delete").get(0);
    assertThat(puts.get(0).getRequestId().getSequence()).isEqualTo(1);
    assertThat(puts.get(1).getRequestId().getSequence()).isEqualTo(2);
    assertThat(delete.getRequestId().getSequence()).isEqualTo(3);
    assertThat(puts.get(1).getRequestId().getClientId()).isEqualTo(puts.get(0).getRequestId().getClientId());
    assertThat(delete.getRequestId().getClientId()).isEqualTo(puts.get(0).getRequestId().getClientId());
    assertThat(puts.get(2).getRequestId().getClientId()).isNotEqualTo(puts.get(0).getRequestId().getClientId());
  }

  @Test
  void readsCarryNoRequestIdAndPassTheirConsistency() {
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());

    client.get("k", ReadConsistency.SERIALIZABLE);

    GetRequest get = server.<GetRequest>requests("Get").get(0);
    assertThat(get.getConsistency()).isEqualTo(ReadConsistency.SERIALIZABLE);
  }

  @Test
  void aWriteTheServerMarksAsOfUnknownOutcomeIsReportedAsSuch() {
    Status noQuorum = Status.UNAVAILABLE.withDescription("the write was not committed within 1.0s: no leader");
    FakeKvServer first = node("n1").failAll(noQuorum, WriteOutcome.unknown());
    FakeKvServer second = node("n2").failAll(noQuorum);
    KvClient client = client(first.endpoint(), second.endpoint());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.outcomeUnknown()).isTrue();
    assertThat(e.getMessage()).contains("may or may not have been applied");
  }

  @Test
  void aWriteEveryServerRefusedWithoutTheTrailerWasNotApplied() {
    Status shuttingDown = Status.UNAVAILABLE.withDescription("node is shutting down");
    KvClient client = client(node("n1").failAll(shuttingDown).endpoint(), node("n2").failAll(shuttingDown).endpoint());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.outcomeUnknown()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(names = {"INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "OUT_OF_RANGE",
      "RESOURCE_EXHAUSTED", "PERMISSION_DENIED", "INTERNAL", "UNIMPLEMENTED", "UNKNOWN"})
  void nonRetryableCodesFailAtOnce(Status.Code code) {
    FakeKvServer first = node("n1").failNext("Put", Status.fromCode(code).withDescription("told you so"));
    FakeKvServer second = node("n2");
    KvClient client = client(first.endpoint(), second.endpoint());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.code()).isEqualTo(code);
    assertThat(e.outcomeUnknown()).isFalse();
    assertThat(e.getMessage()).contains("told you so").contains(first.endpoint()).contains(code.name());
    assertThat(first.<PutRequest>requests("Put")).hasSize(1);
    assertThat(second.<PutRequest>requests("Put")).isEmpty();
  }

  @Test
  void stickyReadsStayOnTheEndpointThatLastWorked() {
    FakeKvServer first = node("n1").failNext("Get", Status.UNAVAILABLE);
    FakeKvServer second = node("n2");
    KvClient client = cluster.track(KvClient.builder().endpoints(List.of(first.endpoint(), second.endpoint()))
        .readBalancing(ReadBalancing.STICKY).build());

    client.get("a");
    client.get("b");
    client.get("c");

    assertThat(first.<GetRequest>requests("Get")).hasSize(1);
    assertThat(second.<GetRequest>requests("Get")).hasSize(3);
  }

  @Test
  void retriesOneEndpointWithBackoffUntilItAnswers() {
    FakeKvServer only = node("n1")
        .failNext("Get", Status.UNAVAILABLE.withDescription("no leader"))
        .failNext("Get", Status.DEADLINE_EXCEEDED)
        .failNext("Get", Status.UNAVAILABLE.withDescription("no leader"));
    KvClient client = client(only.endpoint());

    assertThat(client.get("k").getFound()).isFalse();
    assertThat(only.<GetRequest>requests("Get")).hasSize(4);
  }

  @Test
  void requestTimeoutBoundsACallWhenEveryEndpointHangs() {
    FakeKvServer first = node("n1").hangAll();
    FakeKvServer second = node("n2").hangAll();
    KvClient client = impatientClient(first.endpoint(), second.endpoint());

    long start = System.nanoTime();
    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(elapsed).isLessThan(REQUEST_TIMEOUT.plus(MARGIN));
    assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.getMessage())
        .contains("no endpoint answered within 1.2s (")
        .contains(first.endpoint() + " DEADLINE_EXCEEDED")
        .contains(second.endpoint() + " DEADLINE_EXCEEDED");
    // Both nodes received the write and never answered: it may have been applied.
    assertThat(e.outcomeUnknown()).isTrue();
    assertThat(first.<PutRequest>requests("Put")).isNotEmpty();
    assertThat(second.<PutRequest>requests("Put")).isNotEmpty();
    List<PutRequest> all = new ArrayList<>(first.requests("Put"));
    all.addAll(second.requests("Put"));
    assertThat(all).extracting(PutRequest::getRequestId).containsOnly(all.get(0).getRequestId());
  }

  @Test
  void aNodesOwnAnswerOutranksALaterAttemptThatRanOutOfTime() {
    // As an isolated node does: it answers "no leader" near the deadline, and the retry gets no answer.
    FakeKvServer isolated = node("n1")
        .failNext("Get", Status.UNAVAILABLE.withDescription("could not confirm a linearizable read: no leader"))
        .hangAll();
    KvClient client = impatientClient(isolated.endpoint());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.get("k"));

    assertThat(isolated.<GetRequest>requests("Get")).hasSizeGreaterThan(1);
    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getMessage())
        .contains(isolated.endpoint() + " DEADLINE_EXCEEDED")
        .contains("before that " + isolated.endpoint() + " UNAVAILABLE (could not confirm a linearizable read: no leader)");
  }

  @Test
  void aReadThatTimesOutHasNoUnknownOutcome() {
    FakeKvServer hanging = node("n1").hangAll();
    KvClient client = impatientClient(hanging.endpoint());

    assertThatThrownBy(() -> client.get("k"))
        .isInstanceOfSatisfying(KvClientException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.outcomeUnknown()).isFalse();
        });
  }

  @Test
  void unreachableClusterIsReportedAsUnavailableWithEveryEndpoint() {
    String dead1 = FakeKvServer.deadEndpoint();
    String dead2 = FakeKvServer.deadEndpoint();
    KvClient client = impatientClient(dead1, dead2);

    long start = System.nanoTime();
    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.delete("k"));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(elapsed).isLessThan(REQUEST_TIMEOUT.plus(MARGIN));
    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getMessage())
        .contains(dead1 + " UNAVAILABLE (connection refused)")
        .contains(dead2 + " UNAVAILABLE (connection refused)");
    // Nothing was ever sent, so the delete certainly did not happen.
    assertThat(e.outcomeUnknown()).isFalse();
  }

  @Test
  void aServerThatAnswersNoLeaderDidNotApplyTheWrite() {
    FakeKvServer first = node("n1").failAll(Status.UNAVAILABLE.withDescription("no leader within 1s"));
    FakeKvServer second = node("n2").failAll(Status.UNAVAILABLE.withDescription("no leader within 1s"));
    KvClient client = impatientClient(first.endpoint(), second.endpoint());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.outcomeUnknown()).isFalse();
    assertThat(e.getMessage()).contains(first.endpoint() + " UNAVAILABLE (no leader within 1s)");
  }

  @Test
  void aWriteThatReachedAHangingNodeStaysUnknownEvenIfTheLastAttemptWasRefused() {
    FakeKvServer hanging = node("n1").hangAll();
    String dead = FakeKvServer.deadEndpoint();
    KvClient client = impatientClient(hanging.endpoint(), dead);

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.outcomeUnknown()).isTrue();
    assertThat(e.getMessage()).contains("may or may not have been applied");
  }

  @Test
  void aWriteWhoseConnectionDropsAfterSendingHasAnUnknownOutcome() {
    FakeKvServer doomed = node("n1").hangAll();
    KvClient client = impatientClient(doomed.endpoint());

    CompletableFuture<Void> put = CompletableFuture.runAsync(() -> client.put("k", "v"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !doomed.requests("Put").isEmpty());
    doomed.kill();

    assertThat(put).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(KvClientException.class, e -> {
          // The node reset the stream while going down: a lost node, so retried until the timeout.
          assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.outcomeUnknown()).isTrue();
          assertThat(e.getMessage()).contains("no endpoint answered");
        });
  }

  @Test
  void snapshotCanTargetOneEndpoint() {
    FakeKvServer first = node("n1");
    FakeKvServer second = node("n2");
    KvClient client = client(first.endpoint());

    assertThat(client.snapshot(second.endpoint()).getHeader().getMemberId()).isEqualTo("n2");
    assertThat(client.snapshot().getHeader().getMemberId()).isEqualTo("n1");
  }

  @Test
  void builderRejectsBadEndpointsAndAcceptsACommaSeparatedList() {
    assertThatThrownBy(() -> KvClient.builder().endpoints("localhost"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
    assertThatThrownBy(() -> KvClient.builder().endpoints("a:99999"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> KvClient.builder().endpoints(" , "))
        .isInstanceOf(IllegalArgumentException.class);
    try (KvClient client = KvClient.builder().endpoints("a:1, b:2,[::1]:3").build()) {
      assertThat(client.endpoints()).containsExactly("a:1", "b:2", "[::1]:3");
    }
  }

  @Test
  void callsAfterCloseAreRefused() {
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());
    client.close();

    assertThatThrownBy(() -> client.get("k")).isInstanceOf(IllegalStateException.class);
  }
}
