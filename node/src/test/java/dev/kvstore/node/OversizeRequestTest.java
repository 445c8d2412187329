package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.node.api.TransportRejections;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests beyond a documented limit, whatever their size and whichever RPC, get INVALID_ARGUMENT
 * naming the limit, from kvstore rather than from the transport, up to the transport's ceiling.
 */
class OversizeRequestTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static ManagedChannel channel;

  @BeforeAll
  static void connect() {
    channel = SHARED.cluster().channel("n1");
  }

  private static RawCall send(String method, MethodType type, byte[] message) {
    return RawCall.send(channel, method, type, message);
  }

  private static void assertInvalid(RawCall call, String... messageParts) {
    assertThat(call.status().getCode()).as(call.status().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(call.status().getDescription()).contains(messageParts);
  }

  private static byte[] putOfValueBytes(int valueBytes) {
    return PutRequest.newBuilder().setKey("big").setValue(ByteString.copyFrom(new byte[valueBytes])).build().toByteArray();
  }

  @Test
  void theFiveMillionBytePutOfTheIssueGetsTheValueLimit() {
    byte[] put = putOfValueBytes(5_000_000);

    RawCall call = send("kvstore.KvStore/Put", MethodType.UNARY, put);

    assertInvalid(call, "the kvstore.PutRequest is " + put.length + " bytes", "values at most 1048576 bytes (1 MiB)");
    assertThat(SHARED.cluster().kv("n1").get(Requests.get("big")).getFound()).isFalse();
  }

  @Test
  void aValueJustBeyondTheLimitGetsItsExactSize() {
    assertInvalid(send("kvstore.KvStore/Put", MethodType.UNARY, putOfValueBytes(2_000_000)),
        "value is 2000000 bytes; the maximum is 1048576 bytes (1 MiB)");
  }

  @Test
  void oversizeKeysGetTheKeyLimitOnEveryRpc() {
    String key = "k".repeat(5000);
    String message = "is 5000 bytes; the maximum is 4096 bytes of UTF-8";
    assertInvalid(send("kvstore.KvStore/Get", MethodType.UNARY, GetRequest.newBuilder().setKey(key).build().toByteArray()),
        "key " + message);
    assertInvalid(send("kvstore.KvStore/Delete", MethodType.UNARY,
        DeleteRequest.newBuilder().setKey(key).build().toByteArray()), "key " + message);
    assertInvalid(send("kvstore.KvStore/Watch", MethodType.SERVER_STREAMING,
        WatchRequest.newBuilder().setKey(key).build().toByteArray()), "key " + message);
    assertInvalid(send("kvstore.KvStore/Watch", MethodType.SERVER_STREAMING,
        WatchRequest.newBuilder().setKey(key).setPrefix(true).build().toByteArray()), "prefix " + message);
    assertInvalid(send("kvstore.KvStore/GetAll", MethodType.UNARY,
        GetAllRequest.newBuilder().setPrefix(key).build().toByteArray()), "prefix " + message);
    assertInvalid(send("kvstore.KvStore/GetAll", MethodType.UNARY,
        GetAllRequest.newBuilder().setStartAfter(key).build().toByteArray()), "start_after " + message);
  }

  @Test
  void hugeKeysGetTheKeyLimitOnEveryRpc() {
    String key = "k".repeat(5_000_000);
    for (var rpc : new Object[][] {
        {"kvstore.KvStore/Get", MethodType.UNARY, GetRequest.newBuilder().setKey(key).build()},
        {"kvstore.KvStore/Delete", MethodType.UNARY, DeleteRequest.newBuilder().setKey(key).build()},
        {"kvstore.KvStore/GetAll", MethodType.UNARY, GetAllRequest.newBuilder().setPrefix(key).build()},
        {"kvstore.KvStore/Watch", MethodType.SERVER_STREAMING, WatchRequest.newBuilder().setKey(key).build()}}) {
      var request = (com.google.protobuf.Message) rpc[2];
      assertInvalid(send((String) rpc[0], (MethodType) rpc[1], request.toByteArray()),
          "the " + request.getDescriptorForType().getFullName() + " is", "keys are at most 4096 bytes of UTF-8");
    }
  }

  @Test
  void requestMetadataBeyondItsLimitGetsTheLimitAndWithinItPasses() {
    Metadata big = new Metadata();
    big.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), "h".repeat(9000));
    var bigHeaders = SHARED.cluster().kv("n1").withInterceptors(MetadataUtils.newAttachHeadersInterceptor(big));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> bigHeaders.get(Requests.get("k")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("request metadata (headers) is")
        .contains("the maximum is " + RequestLimits.MAX_METADATA_BYTES + " bytes");
    Metadata small = new Metadata();
    small.put(Metadata.Key.of("x-small", Metadata.ASCII_STRING_MARSHALLER), "h".repeat(7000));
    var smallHeaders = SHARED.cluster().kv("n1").withInterceptors(MetadataUtils.newAttachHeadersInterceptor(small));
    assertThat(smallHeaders.get(Requests.get("k")).getFound()).isFalse();
  }

  @Test
  void aMessageJustBelowTheTransportCeilingStillGetsOurAnswer() {
    byte[] put = putOfValueBytes(KvNode.MAX_INBOUND_MESSAGE_BYTES - 64);
    assertThat(put.length).isLessThanOrEqualTo(KvNode.MAX_INBOUND_MESSAGE_BYTES);

    assertInvalid(send("kvstore.KvStore/Put", MethodType.UNARY, put), "values at most 1048576 bytes (1 MiB)");
  }

  @Test
  void aCompressedMessageBeyondTheCeilingIsReadNoFurtherThanTheLargestValidRequest() {
    // 80 MiB of zeros compress to a small frame: the transport takes it, kvstore stops reading at 2 MiB
    byte[] put = putOfValueBytes(80 << 20);

    RawCall call = RawCall.send(channel, "kvstore.KvStore/Put", MethodType.UNARY,
        CallOptions.DEFAULT.withCompression("gzip"), put);

    assertInvalid(call, "the kvstore.PutRequest is more than " + RequestLimits.MAX_REQUEST_BYTES + " bytes",
        "values at most 1048576 bytes (1 MiB)");
  }

  @Test
  void beyondTheCeilingTheTransportRefusesWithOneShortLogLine() {
    byte[] put = putOfValueBytes(KvNode.MAX_INBOUND_MESSAGE_BYTES + 16);
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 3; i++) {
        RawCall call = send("kvstore.KvStore/Put", MethodType.UNARY, put);
        // documented: cut off by the transport before kvstore can read the request
        assertThat(call.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(call.status().getDescription()).contains("exceeds maximum size " + KvNode.MAX_INBOUND_MESSAGE_BYTES);
      }

      await().atMost(Duration.ofSeconds(5)).until(() -> !logs.from(TransportRejections.class.getName()).isEmpty());
      var lines = logs.from(TransportRejections.class.getName());
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0).getThrowableProxy()).isNull();
      assertThat(lines.get(0).getFormattedMessage()).contains("kvstore.KvStore/Put", "RESOURCE_EXHAUSTED");
      // grpc-java's own WARNING with a stack trace per request stays off
      assertThat(logs.from("io.grpc")).isEmpty();
    }
  }
}
