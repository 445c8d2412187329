package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import io.grpc.Status;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests beyond a documented limit fail with INVALID_ARGUMENT before any network call. */
class KvClientRequestLimitsTest {

  private final FakeCluster cluster = new FakeCluster();
  private final FakeKvServer node = cluster.node("n1");
  private final KvClient client = cluster.track(KvClient.builder().endpoints(List.of(node.endpoint())).build());

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private static void assertRefused(ThrowingCallable call, String rpc, String serverMessage) {
    KvClientException e = catchThrowableOfType(KvClientException.class, call);
    assertThat(e).as("expected a KvClientException").isNotNull();
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).isEqualTo(rpc + " not sent: INVALID_ARGUMENT (" + serverMessage + ")");
    assertThat(e.outcomeUnknown()).isFalse();
  }

  @Test
  void oversizeValuesAndKeysAreNotSent() {
    assertRefused(() -> client.put("big", ByteString.copyFrom(new byte[(1 << 20) + 1])), "Put",
        "value is 1048577 bytes; the maximum is 1048576 bytes (1 MiB)");
    assertRefused(() -> client.put("k".repeat(4097), "v"), "Put",
        "key is 4097 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.get("\u20ac".repeat(1366)), "Get",
        "key is 4098 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.delete("k".repeat(5000)), "Delete",
        "key is 5000 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.getAll("p".repeat(4097)), "GetAll",
        "prefix is 4097 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.watch(WatchOptions.forKey("k".repeat(4097)), WatchListener.of(e -> { }, e -> { })),
        "Watch", "key is 4097 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.watch(WatchOptions.forPrefix("k".repeat(4097)), WatchListener.of(e -> { }, e -> { })),
        "Watch", "prefix is 4097 bytes; the maximum is 4096 bytes of UTF-8");

    assertThat(node.requests("Put")).isEmpty();
    assertThat(node.requests("Get")).isEmpty();
    assertThat(node.requests("Delete")).isEmpty();
    assertThat(node.requests("GetAll")).isEmpty();
    assertThat(node.openWatches()).isZero();
  }

  @Test
  void emptyKeysUnpairedSurrogatesAndOversizePrefixesAreNotSent() {
    assertRefused(() -> client.put("", "v"), "Put",
        "key is empty; keys are non-empty UTF-8 strings of at most 4096 bytes");
    // protobuf would send '?' in its place: another key than the one asked for
    assertRefused(() -> client.put("half\uD83D", "v"), "Put",
        "key is not valid Unicode (it holds an unpaired surrogate at index 4); keys are UTF-8 strings");
    assertRefused(() -> client.getAll(GetAllOptions.forPrefix("p".repeat(4097))), "GetAll",
        "prefix is 4097 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.getAll(GetAllOptions.all().withStartAfter("s".repeat(4097))), "GetAll",
        "start_after is 4097 bytes; the maximum is 4096 bytes of UTF-8");
    assertRefused(() -> client.watch(WatchOptions.forKey(""), WatchListener.of(e -> { }, e -> { })), "Watch",
        "key is empty; keys are non-empty UTF-8 strings of at most 4096 bytes");

    assertThat(node.requests("Put")).isEmpty();
    assertThat(node.requests("GetAll")).isEmpty();
  }

  @Test
  void theLimitsThemselvesAreSent() {
    client.put("k".repeat(4096), ByteString.copyFrom(new byte[1 << 20]));
    client.put("\uD83D\uDE00".repeat(1024), "v");

    assertThat(node.requests("Put")).hasSize(2);
  }

  @Test
  void noNetworkIsNeededToRefuse() {
    KvClient unreachable = cluster.track(KvClient.builder().endpoints(FakeKvServer.deadEndpoint()).build());

    assertRefused(() -> unreachable.put("big", ByteString.copyFrom(new byte[5_000_000])), "Put",
        "value is 5000000 bytes; the maximum is 1048576 bytes (1 MiB)");
  }
}
