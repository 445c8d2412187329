package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.WriteOutcome;
import dev.kvstore.client.RecordingChannelFactory.RecordedCall;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leaving a paused or cut-off node fast: adaptive attempt timeouts, hedged reads, and writes sent
 * to the leader that answers name. A paused node is a fake that accepts calls and never answers.
 * Timing assertions only compare against the configured attempt timeout, which the behaviour
 * under test must beat by seconds.
 */
class KvClientFastFailoverTest {

  // Long on purpose: a call that waited for it on the paused node would fail the assertions.
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeCluster cluster = new FakeCluster();
  private final RecordingChannelFactory channels = new RecordingChannelFactory();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private FakeKvServer node(String id, String leader, long term) {
    return cluster.node(id).leader(leader, term);
  }

  private KvClient.Builder builder(FakeKvServer... nodes) {
    return KvClient.builder()
        .endpoints(Arrays.stream(nodes).map(FakeKvServer::endpoint).toList())
        .requestTimeout(REQUEST_TIMEOUT)
        .attemptTimeout(ATTEMPT_TIMEOUT)
        .channelFactory(channels);
  }

  private KvClient client(FakeKvServer... nodes) {
    return cluster.track(builder(nodes).build());
  }

  /** Successful writes, so that the client has response times and adaptive timeouts at their floor. */
  private static void warmUpWrites(KvClient client) {
    for (int i = 0; i < 5; i++) {
      client.put("warm-up/" + i, "v");
    }
  }

  private static void warmUpReads(KvClient client) {
    for (int i = 0; i < 5; i++) {
      client.get("warm-up");
    }
  }

  /**
   * A client whose attempts never time out before ATTEMPT_TIMEOUT, so that only a hedge can answer
   * sooner, with read response times already observed on {@code nodes[0]}, where its reads stay
   * (sticky: the tests pause that node and watch the read leave it).
   */
  private KvClient hedgingClient(FakeKvServer... nodes) {
    KvClient client = cluster.track(builder(nodes).attemptTimeoutFloor(ATTEMPT_TIMEOUT)
        .readBalancing(ReadBalancing.STICKY).build());
    warmUpReads(client);
    return client;
  }

  private static Duration timed(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static List<String> endpointsOf(List<RecordedCall> calls) {
    return calls.stream().map(RecordedCall::endpointText).toList();
  }

  @Test
  void aPausedLeaderCostsAWriteFarLessThanTheAttemptTimeout() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = client(n1, n2);
    warmUpWrites(client);
    n1.hangAll();

    Duration elapsed = timed(() -> client.put("k", "v"));

    assertThat(elapsed).isLessThan(ATTEMPT_TIMEOUT);
    List<PutRequest> onN1 = n1.requests("Put");
    List<PutRequest> onN2 = n2.requests("Put");
    assertThat(onN2).hasSize(1);
    assertThat(onN2.get(0).getRequestId()).isEqualTo(onN1.get(onN1.size() - 1).getRequestId());
    // The paused leader is distrusted and no longer preferred: the next write goes straight to n2.
    client.put("k2", "v");
    assertThat(n1.<PutRequest>requests("Put")).hasSize(onN1.size());
    assertThat(n2.<PutRequest>requests("Put")).hasSize(2);
  }

  @Test
  void aPausedLeaderThatIsNotThePreferredEndpointFallsBackToTheRotation() {
    FakeKvServer n1 = node("n1", "n2", 1);
    FakeKvServer n2 = node("n2", "n2", 1);
    KvClient client = client(n1, n2);
    client.snapshot(n2.endpoint()); // the client has heard n2 answer: it knows n2's endpoint
    warmUpWrites(client);
    assertThat(endpointsOf(channels.calls("Put"))).containsOnly(n2.endpoint());
    n2.hangAll();

    Duration elapsed = timed(() -> client.put("k", "v"));

    assertThat(elapsed).isLessThan(ATTEMPT_TIMEOUT);
    assertThat(n1.<PutRequest>requests("Put")).hasSize(1);
  }

  @Test
  void aReadOnAPausedNodeIsHedgedToTheNextEndpointAndTheHungCallIsCancelled() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = hedgingClient(n1, n2);
    n1.hangAll();

    GetResponse[] answer = new GetResponse[1];
    Duration elapsed = timed(() -> answer[0] = client.get("k"));

    assertThat(elapsed).isLessThan(ATTEMPT_TIMEOUT);
    assertThat(answer[0].getHeader().getMemberId()).isEqualTo("n2");
    assertThat(channels.maxConcurrent("Get")).isEqualTo(2);
    List<RecordedCall> gets = channels.calls("Get");
    RecordedCall hung = gets.get(gets.size() - 2);
    RecordedCall hedge = gets.get(gets.size() - 1);
    assertThat(hung.endpointText()).isEqualTo(n1.endpoint());
    assertThat(hedge.endpointText()).isEqualTo(n2.endpoint());
    await().atMost(WAIT).until(() -> hung.closeStatus != null);
    assertThat(hung.closeStatus.getCode()).isEqualTo(Status.Code.CANCELLED);
    await().atMost(WAIT).until(() -> n1.cancelledCalls() == 1);
  }

  @Test
  void readsAreNotHedgedBeforeTheClientHasSeenAResponseTime() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = cluster.track(builder(n1, n2).attemptTimeout(Duration.ofMillis(800)).build());
    n1.hangAll();

    assertThat(client.get("k").getHeader().getMemberId()).isEqualTo("n2");

    assertThat(channels.maxConcurrent("Get")).isEqualTo(1);
    assertThat(channels.calls("Get").get(0).closeStatus.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void writesAreNeverHedged() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = client(n1, n2);
    warmUpWrites(client);
    n1.hangAll();

    client.put("k", "v");

    // The hedge delay (250 ms) is shorter than the adaptive attempt timeout (500 ms): a hedged
    // write would have had two calls open. Instead n2 got it only once n1's attempt had ended.
    assertThat(channels.maxConcurrent("Put")).isEqualTo(1);
    List<RecordedCall> puts = channels.calls("Put");
    assertThat(puts.get(puts.size() - 2).closeStatus.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(puts.get(puts.size() - 1).endpointText()).isEqualTo(n2.endpoint());
    assertThat(channels.maxConcurrent("Delete")).isZero();
  }

  @Test
  void aNodeThatStayedSilentGetsNoLongerAttemptsWhileOthersAnswer() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = cluster.track(builder(n1, n2).requestTimeout(Duration.ofSeconds(3)).build());
    warmUpWrites(client); // the adaptive attempt timeout is now its 500 ms floor
    n1.hangAll();
    // n2 is alive but its own time runs out: the next attempts get more time (doubling)...
    n2.failAll(Status.UNAVAILABLE.withDescription("not committed within the time left"), WriteOutcome.unknown());

    catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    List<RecordedCall> onN1 = channels.calls("Put").stream()
        .filter(call -> call.endpointText().equals(n1.endpoint())).toList();
    List<RecordedCall> onN2 = channels.calls("Put").stream()
        .filter(call -> call.endpointText().equals(n2.endpoint())).toList();
    assertThat(onN1.size()).isGreaterThan(6); // 5 warm-ups, then at least two attempts
    assertThat(onN2.size()).isGreaterThan(1);
    // ...but the silent n1 gets the undoubled 500 ms again: more time would not wake it up.
    assertThat(onN1.get(6).deadline).isLessThanOrEqualTo(Duration.ofMillis(500));
    assertThat(onN2.get(1).deadline).isGreaterThan(Duration.ofMillis(1000));
  }

  @Test
  void writesGoToTheLeaderNamedInResponseHeadersAndStickyReadsStayOnThePreferredEndpoint() {
    FakeKvServer n1 = node("n1", "n3", 2);
    FakeKvServer n2 = node("n2", "n3", 2);
    FakeKvServer n3 = node("n3", "n3", 2);
    KvClient client = cluster.track(builder(n1, n2, n3).readBalancing(ReadBalancing.STICKY).build());
    client.snapshot(n3.endpoint()); // the client has heard n3 answer: it knows n3's endpoint

    client.get("k");
    client.put("k", "v");
    client.delete("k");
    client.get("k");

    assertThat(endpointsOf(channels.calls("Put"))).containsExactly(n3.endpoint());
    assertThat(endpointsOf(channels.calls("Delete"))).containsExactly(n3.endpoint());
    assertThat(endpointsOf(channels.calls("Get"))).containsExactly(n1.endpoint(), n1.endpoint());
    assertThat(n2.<PutRequest>requests("Put")).isEmpty();
  }

  @Test
  void aWriteRetriesOnTheLeaderThatAFailedAnswerNamed() {
    FakeKvServer n1 = node("n1", "", 3).failNext("Put", Status.UNAVAILABLE.withDescription("no leader"));
    FakeKvServer n2 = node("n2", "", 2);
    FakeKvServer n3 = node("n3", "", 2);
    KvClient client = client(n1, n2, n3);
    client.snapshot(n3.endpoint());
    // n1 has just learned that n3 won the election of term 3, and says so in its error's trailers.
    n1.leader("n3", 3);
    n3.leader("n3", 3);

    client.put("k", "v");

    assertThat(endpointsOf(channels.calls("Put"))).containsExactly(n1.endpoint(), n3.endpoint());
    assertThat(n2.<PutRequest>requests("Put")).isEmpty();
  }

  @Test
  void aLeaderHintFromAnOlderTermIsIgnored() {
    FakeKvServer n1 = node("n1", "n3", 5);
    FakeKvServer n2 = node("n2", "n2", 4); // deposed, and has not heard of term 5 yet
    FakeKvServer n3 = node("n3", "n3", 5);
    KvClient client = client(n1, n2, n3);
    client.snapshot(n3.endpoint());
    client.snapshot(n2.endpoint()); // the newest answer, with a stale hint

    client.put("k", "v");

    assertThat(endpointsOf(channels.calls("Put"))).containsExactly(n3.endpoint());
  }

  @Test
  void aReadAnsweredWithAFinalErrorWhileHedgingEndsTheCall() {
    FakeKvServer n1 = node("n1", "n1", 1);
    FakeKvServer n2 = node("n2", "n1", 1);
    KvClient client = hedgingClient(n1, n2);
    n1.hangAll();
    n2.failNext("Get", Status.INVALID_ARGUMENT.withDescription("key too long"));

    Duration elapsed = timed(() -> assertThat(catchThrowableOfType(
        KvClientException.class, () -> client.get("k")).code()).isEqualTo(Status.Code.INVALID_ARGUMENT));

    assertThat(elapsed).isLessThan(ATTEMPT_TIMEOUT);
    await().atMost(WAIT).until(() -> n1.cancelledCalls() == 1);
    assertThat(n2.<GetRequest>requests("Get")).hasSize(1);
  }
}
