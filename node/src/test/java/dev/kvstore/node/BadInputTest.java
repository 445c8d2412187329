package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc.KvStoreBlockingStub;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every malformed request gets INVALID_ARGUMENT with a message saying what is wrong and what is allowed. */
class BadInputTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static KvStoreBlockingStub kv() {
    return SHARED.cluster().kv("n2");
  }

  private static void assertInvalid(ThrowingCallable call, String... messageParts) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      for (String part : messageParts) {
        assertThat(e.getStatus().getDescription()).contains(part);
      }
    });
  }

  @Test
  void emptyKeysAreRejectedEverywhere() {
    assertInvalid(() -> kv().put(put("", "v")), "key is empty", "4096 bytes");
    assertInvalid(() -> kv().get(GetRequest.newBuilder().build()), "key is empty");
    assertInvalid(() -> kv().delete(DeleteRequest.newBuilder().build()), "key is empty");
    assertInvalid(() -> kv().watch(WatchRequest.newBuilder().build()).next(), "key is empty");
  }

  @Test
  void oversizeKeysAndValuesAreRejectedWithTheLimit() {
    assertInvalid(() -> kv().put(put("k".repeat(4097), "v")), "4097 bytes", "maximum is 4096");
    assertInvalid(() -> kv().put(PutRequest.newBuilder().setKey("big")
        .setValue(ByteString.copyFrom(new byte[(1 << 20) + 1])).build()), "1048577 bytes", "1 MiB");
    // the limits themselves are accepted
    assertThat(kv().put(PutRequest.newBuilder().setKey("k".repeat(4096))
        .setValue(ByteString.copyFrom(new byte[1 << 20])).build()).getSuccess()).isTrue();
  }

  @Test
  void aValueFarBeyondTheLimitStillGetsOurMessage() {
    assertInvalid(() -> kv().put(PutRequest.newBuilder().setKey("huge")
        .setValue(ByteString.copyFrom(new byte[3 << 20])).build()), "1048576 bytes (1 MiB)");
  }

  @Test
  void rangeAndWatchArgumentsAreChecked() {
    assertInvalid(() -> kv().getAll(GetAllRequest.newBuilder().setLimit(-1).build()), "limit is -1", "1..10000");
    assertInvalid(() -> kv().getAll(GetAllRequest.newBuilder().setLimit(10_001).build()), "limit is 10001");
    assertInvalid(() -> kv().getAll(GetAllRequest.newBuilder().setConsistencyValue(7).build()), "consistency 7");
    assertInvalid(() -> kv().watch(WatchRequest.newBuilder().setKey("k").setStartRevision(-5).build()).next(),
        "start_revision is -5");
  }

  @Test
  void malformedRequestIdsAreRejected() {
    assertInvalid(() -> kv().put(put("k", "v").toBuilder()
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFromUtf8("x")).setSequence(1)).build()),
        "client_id of 8-64 bytes");
    assertInvalid(() -> kv().put(put("k", "v").toBuilder()
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFromUtf8("0123456789abcdef"))).build()),
        "sequence >= 1");
  }

  @Test
  void aRetriedWriteWithTheSameRequestIdIsAppliedOnceEvenOnAnotherNode() {
    var first = KvStoreGrpc.newBlockingStub(SHARED.cluster().channel("n1")).put(put("dedup", "v1", "client-0123456789", 42));
    var retry = KvStoreGrpc.newBlockingStub(SHARED.cluster().channel("n3")).put(put("dedup", "v1", "client-0123456789", 42));
    assertThat(retry.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision());
    assertThat(kv().get(Requests.get("dedup")).getKv().getVersion()).isEqualTo(1);
    var next = kv().put(put("dedup", "v2", "client-0123456789", 43));
    assertThat(next.getHeader().getRevision()).isGreaterThan(first.getHeader().getRevision());
  }
}
