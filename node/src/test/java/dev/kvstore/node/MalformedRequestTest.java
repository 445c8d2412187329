package dev.kvstore.node;

import static dev.kvstore.node.RawCall.hex;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.kvstore.api.PutRequest;
import dev.kvstore.node.api.ServiceGuard;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests that are malformed at the protocol level, as a raw client sends them: every RPC of
 * every service answers INVALID_ARGUMENT saying what could not be parsed, the service never sees
 * them, and the node logs at most one short line however many come.
 */
class MalformedRequestTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  /** The PutRequest of issue 6: key "bad/\xff\xfeA" (invalid UTF-8), value "bad". */
  private static final byte[] PUT_WITH_INVALID_UTF8_KEY = hex("0a 07 62 61 64 2f ff fe 41 12 03 62 61 64");

  private static ManagedChannel channel;

  @BeforeAll
  static void connect() {
    channel = SHARED.cluster().channel("n2");
  }

  private static RawCall send(String method, MethodType type, byte[]... messages) {
    return RawCall.send(channel, method, type, messages);
  }

  private static void assertInvalid(RawCall call, String... messageParts) {
    assertThat(call.status().getCode()).as(call.status().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(call.status().getDescription()).contains(messageParts);
    assertThat(call.responses()).isEmpty();
  }

  @Test
  void thePutOfTheIssueIsRefusedAsInvalidUtf8() {
    RawCall put = send("kvstore.KvStore/Put", MethodType.UNARY, PUT_WITH_INVALID_UTF8_KEY);

    assertInvalid(put, "could not parse the kvstore.PutRequest of kvstore.KvStore/Put",
        "string fields, such as keys, must be valid UTF-8");
  }

  @ParameterizedTest(name = "{0} {2}")
  @CsvSource({
      // invalid UTF-8 in the first string field
      "kvstore.KvStore/Get, UNARY, 0a 03 ff fe 41, kvstore.GetRequest, UTF-8",
      "kvstore.KvStore/Delete, UNARY, 0a 02 c3 28, kvstore.DeleteRequest, UTF-8",
      "kvstore.KvStore/GetAll, UNARY, 0a 02 c3 28, kvstore.GetAllRequest, UTF-8",
      "kvstore.KvStore/GetAll, UNARY, 22 01 80, kvstore.GetAllRequest, UTF-8",
      "kvstore.KvStore/Watch, SERVER_STREAMING, 0a 02 ff 41, kvstore.WatchRequest, UTF-8",
      "grpc.health.v1.Health/Check, UNARY, 0a 01 ff, grpc.health.v1.HealthCheckRequest, UTF-8",
      "grpc.health.v1.Health/Watch, SERVER_STREAMING, 0a 01 ff, grpc.health.v1.HealthCheckRequest, UTF-8",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo, BIDI_STREAMING, 0a 01 ff,"
          + " grpc.reflection.v1.ServerReflectionRequest, UTF-8",
      // a length-delimited field longer than the message
      "kvstore.KvStore/Put, UNARY, 0a 10 61, kvstore.PutRequest, ended unexpectedly",
      "kvstore.KvStore/Watch, SERVER_STREAMING, 0a 10 61, kvstore.WatchRequest, ended unexpectedly",
      // a truncated varint, an invalid wire type
      "kvstore.KvStore/Get, UNARY, 10 ff, kvstore.GetRequest, ended unexpectedly",
      "kvstore.Maintenance/Status, UNARY, 08, kvstore.StatusRequest, ended unexpectedly",
      "kvstore.Maintenance/Snapshot, UNARY, 0f, kvstore.SnapshotRequest, invalid wire type",
  })
  void everyRpcRefusesAMessageThatDoesNotParse(String method, MethodType type, String bytes, String messageType,
      String reason) {
    RawCall call = send(method, type, hex(bytes));

    assertInvalid(call, "could not parse the " + messageType + " of " + method, reason);
  }

  @Test
  void aMalformedSnapshotRequestTakesNoSnapshot() {
    long before = SHARED.cluster().node("n2").stateMachine().getLatestSnapshot() == null ? -1
        : SHARED.cluster().node("n2").stateMachine().getLatestSnapshot().getIndex();
    SHARED.cluster().kv("n2").put(Requests.put("snapshot/marker", "x"));

    assertInvalid(send("kvstore.Maintenance/Snapshot", MethodType.UNARY, hex("0f")), "invalid wire type");
    var after = SHARED.cluster().node("n2").stateMachine().getLatestSnapshot();
    assertThat(after == null ? -1 : after.getIndex()).isEqualTo(before);
  }

  @Test
  void aUnaryCallWithoutARequestIsRefused() {
    assertInvalid(send("kvstore.KvStore/Put", MethodType.UNARY),
        "kvstore.KvStore/Put takes exactly one request message; the client sent none");
    assertInvalid(send("kvstore.KvStore/Watch", MethodType.SERVER_STREAMING),
        "kvstore.KvStore/Watch takes exactly one request message; the client sent none");
    assertInvalid(send("grpc.health.v1.Health/Check", MethodType.UNARY), "takes exactly one request message");
  }

  @Test
  void aUnaryCallWithTwoRequestsIsRefusedAndNeitherIsApplied() {
    byte[] first = Requests.put("two/first", "1").toByteArray();
    byte[] second = Requests.put("two/second", "2").toByteArray();

    // The calls are sent as streaming ones: a grpc-java client cancels a unary call itself if it
    // is given a second message, so the server would never see it.
    assertInvalid(send("kvstore.KvStore/Put", MethodType.BIDI_STREAMING, first, second),
        "kvstore.KvStore/Put takes exactly one request message; the client sent more than one");
    assertInvalid(send("kvstore.KvStore/Watch", MethodType.BIDI_STREAMING, hex("0a 01 6b"), hex("0a 01 6b")),
        "kvstore.KvStore/Watch takes exactly one request message; the client sent more than one");
    assertInvalid(send("grpc.health.v1.Health/Check", MethodType.BIDI_STREAMING, new byte[0], new byte[0]),
        "grpc.health.v1.Health/Check takes exactly one request message; the client sent more than one");

    assertThat(SHARED.cluster().kv("n2").get(Requests.get("two/first")).getFound()).isFalse();
    assertThat(SHARED.cluster().kv("n2").get(Requests.get("two/second")).getFound()).isFalse();
  }

  @Test
  void aWellFormedRawRequestIsServed() {
    byte[] put = PutRequest.newBuilder().setKey("raw/ok").setValue(com.google.protobuf.ByteString.copyFromUtf8("v"))
        .build().toByteArray();

    RawCall call = send("kvstore.KvStore/Put", MethodType.UNARY, put);

    assertThat(call.status().isOk()).as(call.status().toString()).isTrue();
    assertThat(call.responses()).hasSize(1);
    assertThat(SHARED.cluster().kv("n2").get(Requests.get("raw/ok")).getFound()).isTrue();
  }

  @Test
  void manyMalformedRequestsLogAtMostOneShortLine() {
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 40; i++) {
        assertThat(send("kvstore.KvStore/Put", MethodType.UNARY, PUT_WITH_INVALID_UTF8_KEY).status().getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(send("kvstore.KvStore/Put", MethodType.UNARY).status().getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
      }

      List<ILoggingEvent> guard = logs.from(ServiceGuard.class.getName());
      assertThat(guard).hasSizeLessThanOrEqualTo(1);
      guard.forEach(line -> {
        assertThat(line.getThrowableProxy()).isNull();
        assertThat(line.getFormattedMessage()).contains("kvstore.KvStore/Put").doesNotContain("\n");
      });
      // what grpc-java logged per request before: "Application error processing RPC" with a stack trace
      assertThat(logs.from("io.grpc")).isEmpty();
      assertThat(logs.from("dev.kvstore")).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }
  }
}
