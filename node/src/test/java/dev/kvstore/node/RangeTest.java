package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.KvStoreGrpc.KvStoreBlockingStub;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.RangeOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KvStore.Range through a real cluster: shapes, sorts, paging past one message, consistency and bad input. */
class RangeTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static KvStoreBlockingStub kv(String node) {
    return SHARED.cluster().kv(node).withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static KvStoreBlockingStub leader() {
    return kv(SHARED.cluster().awaitLeader());
  }

  private static RangeRequest.Builder range(String key) {
    return RangeRequest.newBuilder().setKey(key);
  }

  private static List<String> keys(RangeResponse response) {
    return response.getKvsList().stream().map(KeyValue::getKey).toList();
  }

  private static void putAll(List<PutRequest> puts) {
    ExecutorService writers = Executors.newFixedThreadPool(16);
    try {
      KvStoreBlockingStub kv = leader();
      CompletableFuture.allOf(puts.stream()
              .map(put -> CompletableFuture.runAsync(() -> kv.put(put), writers))
              .toArray(CompletableFuture[]::new))
          .join();
    } finally {
      writers.shutdownNow();
    }
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String... messageParts) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      for (String part : messageParts) {
        assertThat(e.getStatus().getDescription()).contains(part);
      }
    });
  }

  @Test
  void readsAKeyAPrefixAnIntervalAndEverythingFromAKey() {
    putAll(List.of(put("shape/a", "1"), put("shape/b/1", "2"), put("shape/b/2", "3"), put("shape/c", "4"),
        put("shapez", "5")));
    KvStoreBlockingStub kv = kv("n2");

    assertThat(keys(kv.range(range("shape/b/1").build()))).containsExactly("shape/b/1");
    assertThat(kv.range(range("shape/b/1").build()).getKvs(0).getValue().toStringUtf8()).isEqualTo("2");
    assertThat(keys(kv.range(range("shape/b/").setPrefix(true).build()))).containsExactly("shape/b/1", "shape/b/2");
    RangeResponse interval = kv.range(range("shape/b").setRangeEnd("shape/c").build());
    assertThat(keys(interval)).containsExactly("shape/b/1", "shape/b/2");
    assertThat(interval.getCount()).isEqualTo(2);
    assertThat(interval.getMore()).isFalse();
    assertThat(interval.getNextPageToken()).isEmpty();
    assertThat(keys(kv.range(range("shape/c").setRangeEnd(RequestLimits.ALL_FROM_KEY).build())))
        .startsWith("shape/c", "shapez");
    assertThat(kv.range(range("shape/none").build()).getKvsCount()).isZero();
  }

  @Test
  void sortsLimitsAndLeavesOutValuesOrEntries() {
    putAll(List.of(put("sort/a", "3"), put("sort/b", "1"), put("sort/c", "2")));
    leader().put(put("sort/c", "again"));
    KvStoreBlockingStub kv = kv("n3");
    RangeRequest.Builder all = range("sort/").setPrefix(true);

    assertThat(keys(kv.range(all.clone().setSortOrder(SortOrder.DESCEND).build())))
        .containsExactly("sort/c", "sort/b", "sort/a");
    assertThat(keys(kv.range(all.clone().setSortTarget(SortTarget.VALUE).setSortOrder(SortOrder.ASCEND).build())))
        .containsExactly("sort/b", "sort/a", "sort/c");
    assertThat(keys(kv.range(all.clone().setSortTarget(SortTarget.VERSION).build())))
        .as("a sort target with order NONE sorts ascending, as in etcd").containsExactly("sort/a", "sort/b", "sort/c");
    assertThat(keys(kv.range(all.clone().setSortTarget(SortTarget.MOD).setSortOrder(SortOrder.DESCEND).build())))
        .first().isEqualTo("sort/c");

    RangeResponse limited = kv.range(all.clone().setLimit(2).build());
    assertThat(keys(limited)).containsExactly("sort/a", "sort/b");
    assertThat(limited.getMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    assertThat(limited.getNextPageToken()).isNotEmpty();

    RangeResponse keysOnly = kv.range(all.clone().setKeysOnly(true).build());
    assertThat(keys(keysOnly)).containsExactly("sort/a", "sort/b", "sort/c");
    assertThat(keysOnly.getKvsList()).allSatisfy(e -> assertThat(e.getValue().isEmpty()).isTrue());
    assertThat(keysOnly.getKvs(2).getVersion()).isEqualTo(2);

    RangeResponse countOnly = kv.range(all.clone().setCountOnly(true).build());
    assertThat(countOnly.getKvsCount()).isZero();
    assertThat(countOnly.getCount()).isEqualTo(3);
    assertThat(countOnly.getMore()).isFalse();
  }

  @Test
  void aRangeLargerThanOneMessageComesInPagesAtOneRevision() {
    int count = 2_000;
    ByteString value = ByteString.copyFrom(new byte[4096]);
    List<String> written = IntStream.range(0, count).mapToObj(i -> String.format(Locale.ROOT, "big/%05d", i)).toList();
    putAll(written.stream().map(k -> PutRequest.newBuilder().setKey(k).setValue(value).build()).toList());
    KvStoreBlockingStub kv = kv("n1");

    RangeRequest first = range("big/").setPrefix(true).build();
    List<RangeResponse> pages = new ArrayList<>();
    RangeResponse page = kv.range(first);
    pages.add(page);
    while (page.getMore()) {
      assertThat(pages).as("pages end").hasSizeLessThan(count);
      page = kv.range(first.toBuilder().setPageToken(page.getNextPageToken()).build());
      pages.add(page);
    }

    assertThat(pages.stream().flatMap(p -> keys(p).stream()).toList()).containsExactlyElementsOf(written);
    assertThat(pages).hasSizeGreaterThanOrEqualTo(3);
    assertThat(pages).allSatisfy(p -> {
      assertThat(p.getSerializedSize()).isLessThanOrEqualTo((int) RequestLimits.MAX_RANGE_BYTES + 16 * 1024);
      assertThat(p.getCount()).isEqualTo(count);
      assertThat(p.getHeader().getRevision()).as("every page at the first one's revision")
          .isEqualTo(pages.get(0).getHeader().getRevision());
    });
    assertThat(pages.get(pages.size() - 1).getNextPageToken()).isEmpty();

    List<String> descending = new ArrayList<>();
    RangeRequest reversed = first.toBuilder().setSortOrder(SortOrder.DESCEND).setKeysOnly(true).setLimit(700).build();
    for (RangeResponse p = kv.range(reversed); ; p = kv.range(reversed.toBuilder()
        .setPageToken(p.getNextPageToken()).build())) {
      descending.addAll(keys(p));
      if (!p.getMore()) {
        break;
      }
    }
    assertThat(descending).hasSize(count).first().isEqualTo(written.get(count - 1));
    assertThat(descending).isSortedAccordingTo((a, b) -> b.compareTo(a));

    try (KvClient client = KvClient.builder().endpoints(SHARED.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(60)).build()) {
      assertThat(client.rangeStream(RangeOptions.prefix("big/")).map(KeyValue::getKey).toList())
          .as("the Java client's pages").containsExactlyElementsOf(written);
    }
  }

  @Test
  void linearizableReadsSeeTheLatestWriteAndSerializableOnesCatchUp() {
    String follower = SHARED.cluster().awaitLeader().equals("n1") ? "n2" : "n1";
    for (int i = 0; i < 5; i++) {
      leader().put(put("consistency/" + i, "v"));
      assertThat(kv(follower).range(range("consistency/").setPrefix(true).build()).getCount())
          .as("a linearizable range on a follower sees the write acknowledged before it").isEqualTo(i + 1);
    }
    leader().put(put("consistency/9", "v"));
    RangeRequest serializable = range("consistency/").setPrefix(true)
        .setConsistency(ReadConsistency.SERIALIZABLE).build();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> kv(follower).range(serializable).getCount() == 6);
  }

  @Test
  void revisionsThatCannotBeReadAreOutOfRange() {
    leader().put(put("rev/a", "1"));
    RangeResponse now = kv("n2").range(range("rev/a").build());
    long current = now.getHeader().getRevision();
    assertThat(keys(kv("n2").range(range("rev/a").setRevision(current).build()))).containsExactly("rev/a");
    assertStatus(() -> kv("n2").range(range("rev/a").setRevision(current + 1_000_000).build()), Status.Code.OUT_OF_RANGE,
        "revision " + (current + 1_000_000) + " is in the future", "the revisions that can be read are");
  }

  @Test
  void badArgumentsAreRejectedWithWhatIsAllowed() {
    KvStoreBlockingStub kv = kv("n2");
    assertStatus(() -> kv.range(range("").build()), Status.Code.INVALID_ARGUMENT, "key is empty");
    assertStatus(() -> kv.range(range("b").setRangeEnd("a").build()), Status.Code.INVALID_ARGUMENT,
        "range_end must sort after key");
    assertStatus(() -> kv.range(range("a").setPrefix(true).setRangeEnd("b").build()), Status.Code.INVALID_ARGUMENT,
        "prefix and range_end exclude each other");
    assertStatus(() -> kv.range(range("a").setLimit(-1).build()), Status.Code.INVALID_ARGUMENT, "limit is -1",
        "1..10000");
    assertStatus(() -> kv.range(range("a").setLimit(10_001).build()), Status.Code.INVALID_ARGUMENT, "limit is 10001");
    assertStatus(() -> kv.range(range("a").setRevision(-1).build()), Status.Code.INVALID_ARGUMENT, "revision is -1");
    assertStatus(() -> kv.range(range("a").setSortOrderValue(9).build()), Status.Code.INVALID_ARGUMENT,
        "sort_order 9 is unknown", "DESCEND");
    assertStatus(() -> kv.range(range("a").setSortTargetValue(9).build()), Status.Code.INVALID_ARGUMENT,
        "sort_target 9 is unknown", "VALUE");
    assertStatus(() -> kv.range(range("a").setConsistencyValue(7).build()), Status.Code.INVALID_ARGUMENT,
        "consistency 7");
    assertStatus(() -> kv.range(range("a").setPageToken("not a token!").build()), Status.Code.INVALID_ARGUMENT,
        "page_token is not a token a Range response gave");
    assertStatus(() -> kv.range(range("a").setPageToken("AQ").build()), Status.Code.INVALID_ARGUMENT,
        "page_token is not a token");

    putAll(List.of(put("token/a", "1"), put("token/b", "1")));
    RangeRequest first = range("token/").setPrefix(true).setLimit(1).build();
    String token = kv.range(first).getNextPageToken();
    assertStatus(() -> kv.range(first.toBuilder().setKey("token/a").setPageToken(token).build()),
        Status.Code.INVALID_ARGUMENT, "page_token belongs to a read of another range or order");
    assertStatus(() -> kv.range(first.toBuilder().setSortOrder(SortOrder.DESCEND).setPageToken(token).build()),
        Status.Code.INVALID_ARGUMENT, "another range or order");
    assertStatus(() -> kv.range(first.toBuilder().setRevision(1).setPageToken(token).build()),
        Status.Code.INVALID_ARGUMENT, "pass the first page's revision, or 0");
    assertThat(keys(kv.range(first.toBuilder().setPageToken(token).build()))).containsExactly("token/b");
  }
}
