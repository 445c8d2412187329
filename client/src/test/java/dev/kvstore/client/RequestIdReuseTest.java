package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.kvstore.api.PutRequest;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two clients with one client id (a copied id) reuse each other's request ids. The server refuses
 * the second write with FAILED_PRECONDITION; the client reports it as definitely not applied.
 */
class RequestIdReuseTest {

  private static final ByteString CLIENT_ID = ByteString.copyFromUtf8("0123456789abcdef");

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient clientWithSharedId(String... endpoints) {
    return cluster.track(KvClient.builder()
        .endpoints(List.of(endpoints))
        .requestTimeout(Duration.ofSeconds(5))
        .attemptTimeout(Duration.ofMillis(500))
        .clientId(CLIENT_ID)
        .build());
  }

  @Test
  void aWriteReusingAnAppliedRequestIdIsRefusedAndNotApplied() {
    FakeKvServer node = cluster.node("n1");
    long firstRevision = clientWithSharedId(node.endpoint()).put("a", "1").getHeader().getRevision();

    KvClientException e = catchThrowableOfType(KvClientException.class,
        () -> clientWithSharedId(node.endpoint()).put("b", "1"));

    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.outcomeUnknown()).isFalse();
    assertThat(e.getMessage())
        .contains("request id (client " + HexFormat.of().formatHex(CLIENT_ID.toByteArray()) + ", sequence 1)")
        .contains("already used for a different write at revision " + firstRevision)
        .contains("use a new sequence number")
        .doesNotContain("may or may not");
    assertThat(store.get("b")).isEmpty();
    // The same command under the same id is a retry, as on a real node: the first result.
    assertThat(clientWithSharedId(node.endpoint()).put("a", "1").getHeader().getRevision()).isEqualTo(firstRevision);
    assertThat(store.revision()).isEqualTo(firstRevision);
  }

  @Test
  void aReusedIdRefusalAfterAnAttemptThatMayHaveAppliedIsStillDefinitelyNotApplied() {
    FakeKvServer hanging = cluster.node("n1");
    FakeKvServer answering = cluster.node("n2");
    clientWithSharedId(answering.endpoint()).put("a", "1");
    KvClient reuser = clientWithSharedId(hanging.endpoint(), answering.endpoint());
    reuser.get("warm-up"); // connected, so the put is surely sent to n1 before its attempt times out
    hanging.hangAll();

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> reuser.put("b", "1"));

    assertThat(hanging.<PutRequest>requests("Put")).hasSize(1);
    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    // The attempt on n1 may still be in flight, but it carries the same command under the same
    // taken id, so it can only be refused too.
    assertThat(e.outcomeUnknown()).isFalse();
    assertThat(store.get("b")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(names = {"INVALID_ARGUMENT", "FAILED_PRECONDITION"})
  void afterAnAttemptThatMayHaveAppliedARefusalOfTheCommandItselfSettlesTheOutcome(Status.Code code) {
    KvClientException e = refusedAfterAHangingAttempt(code);

    assertThat(e.code()).isEqualTo(code);
    assertThat(e.outcomeUnknown()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(names = {"INTERNAL", "ABORTED", "PERMISSION_DENIED", "ALREADY_EXISTS"})
  void afterAnAttemptThatMayHaveAppliedOtherRefusalsLeaveTheOutcomeUnknown(Status.Code code) {
    KvClientException e = refusedAfterAHangingAttempt(code);

    assertThat(e.code()).isEqualTo(code);
    assertThat(e.outcomeUnknown()).isTrue();
  }

  /** A put whose first attempt reaches a node that never answers and whose second is refused with {@code code}. */
  private KvClientException refusedAfterAHangingAttempt(Status.Code code) {
    FakeKvServer hanging = cluster.node("n1");
    FakeKvServer refusing = cluster.node("n2").failNext("Put", Status.fromCode(code).withDescription("refused"));
    KvClient client = clientWithSharedId(hanging.endpoint(), refusing.endpoint());
    client.get("warm-up");
    hanging.hangAll();

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(hanging.<PutRequest>requests("Put")).hasSize(1);
    assertThat(refusing.<PutRequest>requests("Put")).hasSize(1);
    return e;
  }
}
