package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Range pages, the page iterator and stream, the async call, and requests refused before sending. */
class KvClientRangeTest {

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();
  private final FakeKvServer node = cluster.node("n1");
  private final KvClient client = cluster.track(KvClient.builder().endpoints(List.of(node.endpoint())).build());

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private void populate(String prefix, int count) {
    for (int i = 0; i < count; i++) {
      store.put(key(prefix, i), ByteString.copyFromUtf8("v" + i), null);
    }
  }

  private static String key(String prefix, int i) {
    return prefix + String.format(Locale.ROOT, "%05d", i);
  }

  private static List<String> keys(RangeResponse page) {
    return page.getKvsList().stream().map(KeyValue::getKey).toList();
  }

  @Test
  void onePageAndTheNextByItsToken() {
    populate("p/", 5);
    store.put("q", ByteString.copyFromUtf8("other"), null);
    RangeOptions options = RangeOptions.prefix("p/").withLimit(2);

    RangeResponse first = client.range(options);
    RangeResponse second = client.range(options, first.getNextPageToken());

    assertThat(keys(first)).containsExactly("p/00000", "p/00001");
    assertThat(first.getMore()).isTrue();
    assertThat(first.getCount()).isEqualTo(5);
    assertThat(keys(second)).containsExactly("p/00002", "p/00003");
    RangeRequest sent = node.<RangeRequest>requests("Range").get(1);
    assertThat(sent.getPageToken()).isEqualTo(first.getNextPageToken());
    assertThat(sent.getLimit()).isEqualTo(2);
  }

  @Test
  void pagesAndStreamListEveryEntryOnceInOrder() {
    populate("p/", RangeOptions.MAX_PAGE_ENTRIES + 500);
    List<String> expected = IntStream.range(0, RangeOptions.MAX_PAGE_ENTRIES + 500).mapToObj(i -> key("p/", i)).toList();

    List<RangeResponse> pages = new ArrayList<>();
    client.rangePages(RangeOptions.prefix("p/").withKeysOnly(true)).forEachRemaining(pages::add);
    List<String> streamed = client.rangeStream(RangeOptions.prefix("p/")).map(KeyValue::getKey).toList();
    List<String> descending = client.rangeStream(RangeOptions.prefix("p/").sortedBy(SortTarget.KEY, SortOrder.DESCEND))
        .map(KeyValue::getKey).toList();
    List<String> limited = client.rangeStream(RangeOptions.prefix("p/").withLimit(10_003)).map(KeyValue::getKey).toList();

    assertThat(pages).extracting(RangeResponse::getKvsCount).containsExactly(10_000, 500);
    assertThat(pages.get(0).getKvs(0).getValue().isEmpty()).isTrue();
    assertThat(streamed).isEqualTo(expected);
    List<String> reversed = new ArrayList<>(expected);
    Collections.reverse(reversed);
    assertThat(descending).isEqualTo(reversed);
    assertThat(limited).isEqualTo(expected.subList(0, 10_003));
    assertThat(node.<RangeRequest>requests("Range").get(node.requests("Range").size() - 1).getLimit())
        .as("the last page asks only for what is still wanted").isEqualTo(3);
  }

  @Test
  void theAsyncCallReadsOnePage() throws Exception {
    populate("a/", 3);
    RangeResponse page = client.async().range(RangeOptions.interval("a/00001", "a/00003")
        .withConsistency(ReadConsistency.SERIALIZABLE)).get();
    RangeResponse count = client.async().range(RangeOptions.fromKey("a/").withCountOnly(true)).get();

    assertThat(keys(page)).containsExactly("a/00001", "a/00002");
    assertThat(count.getCount()).isEqualTo(3);
    assertThat(count.getKvsCount()).isZero();
  }

  @Test
  void requestsOverALimitOrWithAForeignTokenAreNotSent() {
    populate("p/", 3);
    String token = client.range(RangeOptions.prefix("p/").withLimit(1)).getNextPageToken();
    int sent = node.requests("Range").size();

    KvClientException emptyInterval = catchThrowableOfType(KvClientException.class,
        () -> client.range(RangeOptions.interval("b", "a")));
    KvClientException foreignToken = catchThrowableOfType(KvClientException.class,
        () -> client.range(RangeOptions.prefix("q/"), token));
    KvClientException garbage = catchThrowableOfType(KvClientException.class,
        () -> client.range(RangeOptions.prefix("p/"), "garbage!"));

    assertThat(emptyInterval.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(emptyInterval.getMessage()).startsWith("Range not sent: INVALID_ARGUMENT").contains("range_end");
    assertThat(foreignToken.getMessage()).contains("page_token belongs to a read of another range");
    assertThat(garbage.getMessage()).contains("page_token is not a token a Range response gave");
    assertThat(node.requests("Range")).hasSize(sent);
  }

  @Test
  void aRevisionTheServerCannotReadIsOutOfRange() {
    populate("p/", 2);
    KvClientException e = catchThrowableOfType(KvClientException.class,
        () -> client.range(RangeOptions.prefix("p/").atRevision(99)));
    assertThat(e.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
  }
}
