package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One page with {@code start_after}, and listings over every page, against a fake node that pages as a real one. */
class KvClientGetAllTest {

  // Three of these fill a page's 3 MiB budget (3 * (1,000,000 + 64 + 2 * key length) < 3 MiB), a fourth does not.
  private static final int LARGE_VALUE_BYTES = 1_000_000;

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();
  private final FakeKvServer node = cluster.node("n1");
  private final KvClient client = client(node);

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient client(FakeKvServer... nodes) {
    List<String> endpoints = Arrays.stream(nodes).map(FakeKvServer::endpoint).toList();
    return cluster.track(KvClient.builder().endpoints(endpoints).build());
  }

  private void populate(String prefix, int count) {
    for (int i = 0; i < count; i++) {
      store.put(key(prefix, i), ByteString.copyFromUtf8("v" + i), null);
    }
  }

  private static String key(String prefix, int i) {
    return prefix + String.format(Locale.ROOT, "%05d", i);
  }

  private static List<String> keys(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> key(prefix, i)).toList();
  }

  private static List<String> keysOf(KvClient client, GetAllOptions options) {
    return client.getAllStream(options).map(KeyValue::getKey).toList();
  }

  private static List<GetAllResponse> pages(KvClient client, GetAllOptions options) {
    List<GetAllResponse> pages = new ArrayList<>();
    client.getAllPages(options).forEachRemaining(pages::add);
    return pages;
  }

  @Test
  void anEmptyListingIsOneEmptyPage() {
    store.put("other", ByteString.copyFromUtf8("x"), null);

    List<GetAllResponse> pages = pages(client, GetAllOptions.forPrefix("none/"));

    assertThat(pages).singleElement().satisfies(page -> {
      assertThat(page.getKvsList()).isEmpty();
      assertThat(page.getMore()).isFalse();
      assertThat(page.getCount()).isZero();
      assertThat(page.getHeader().getRevision()).isEqualTo(1);
    });
    assertThat(client.getAllStream(GetAllOptions.forPrefix("none/"))).isEmpty();
  }

  @Test
  void exactlyOneFullPageTakesOneCallAndOneMoreEntryTakesTwo() {
    populate("p/", GetAllOptions.MAX_PAGE_ENTRIES);

    assertThat(keysOf(client, GetAllOptions.forPrefix("p/"))).isEqualTo(keys("p/", 0, 10_000));
    assertThat(node.requests("GetAll")).hasSize(1);

    populate("q/", GetAllOptions.MAX_PAGE_ENTRIES + 1);
    List<GetAllResponse> pages = pages(client, GetAllOptions.forPrefix("q/"));

    assertThat(pages).extracting(GetAllResponse::getKvsCount).containsExactly(10_000, 1);
    assertThat(pages).extracting(GetAllResponse::getMore).containsExactly(true, false);
    assertThat(pages).extracting(GetAllResponse::getCount).containsExactly(10_001L, 1L);
    GetAllRequest second = node.<GetAllRequest>requests("GetAll").get(2);
    assertThat(second.getStartAfter()).isEqualTo("q/09999");
    assertThat(second.getLimit()).isZero();
    assertThat(second.getPrefix()).isEqualTo("q/");
  }

  @Test
  void aListingFollowsStartAfterFromPageToPageUntilNoMore() {
    populate("p/", 25_000);
    populate("pz", 3);

    List<String> listed = keysOf(client, GetAllOptions.forPrefix("p/").withConsistency(ReadConsistency.SERIALIZABLE));

    assertThat(listed).isEqualTo(keys("p/", 0, 25_000));
    assertThat(node.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getStartAfter)
        .containsExactly("", "p/09999", "p/19999");
    assertThat(node.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getConsistency)
        .containsOnly(ReadConsistency.SERIALIZABLE);
  }

  @Test
  void aLimitBelowAPageAsksForExactlyThatMuch() {
    populate("p/", 25_000);

    List<GetAllResponse> pages = pages(client, GetAllOptions.forPrefix("p/").withLimit(5));

    assertThat(pages).singleElement().satisfies(page -> {
      assertThat(page.getKvsList()).extracting(KeyValue::getKey).isEqualTo(keys("p/", 0, 5));
      assertThat(page.getMore()).isTrue();
      assertThat(page.getCount()).isEqualTo(25_000);
    });
    assertThat(node.<GetAllRequest>requests("GetAll")).extracting(GetAllRequest::getLimit).containsExactly(5L);
  }

  @Test
  void aLimitAboveAPageSpansPagesAndAsksOnlyForTheRest() {
    populate("p/", 25_000);

    List<GetAllResponse> cut = pages(client, GetAllOptions.forPrefix("p/").withLimit(15_000));
    List<GetAllResponse> whole = pages(client, GetAllOptions.forPrefix("p/").withLimit(25_000));

    assertThat(cut).extracting(GetAllResponse::getKvsCount).containsExactly(10_000, 5_000);
    assertThat(cut.get(1).getMore()).as("entries are left out").isTrue();
    assertThat(cut.get(1).getKvs(4_999).getKey()).isEqualTo("p/14999");
    assertThat(whole).extracting(GetAllResponse::getKvsCount).containsExactly(10_000, 10_000, 5_000);
    assertThat(whole.get(2).getMore()).as("the limit is exactly what there is").isFalse();
    assertThat(node.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getLimit)
        .containsExactly(0L, 5_000L, 0L, 0L, 5_000L);
  }

  @Test
  void pagesCutShortByTheByteBudgetAreFollowedToTheEnd() {
    ByteString large = ByteString.copyFromUtf8("x".repeat(LARGE_VALUE_BYTES));
    for (int i = 0; i < 10; i++) {
      store.put(key("big/", i), large, null);
    }

    List<GetAllResponse> pages = pages(client, GetAllOptions.forPrefix("big/"));
    List<GetAllResponse> limited = pages(client, GetAllOptions.forPrefix("big/").withLimit(5));

    assertThat(pages).extracting(GetAllResponse::getKvsCount).containsExactly(3, 3, 3, 1);
    assertThat(pages).extracting(GetAllResponse::getMore).containsExactly(true, true, true, false);
    assertThat(pages.stream().flatMap(p -> p.getKvsList().stream()).map(KeyValue::getKey))
        .isEqualTo(keys("big/", 0, 10));
    assertThat(limited).extracting(GetAllResponse::getKvsCount).containsExactly(3, 2);
    assertThat(limited.get(1).getMore()).isTrue();
    assertThat(node.<GetAllRequest>requests("GetAll").subList(4, 6))
        .extracting(GetAllRequest::getLimit)
        .containsExactly(5L, 2L);
  }

  @Test
  void unicodeKeysAndPrefixNeighboursComeInByteOrderAcrossPageBoundaries() {
    // Code point order; String.compareTo would put the emoji (a surrogate pair) before U+FFFD.
    List<String> underPrefix = List.of("u/", "u/\u0000", "u/-", "u/a", "u/a/b", "u/\u00e9", "u/\u00e9t\u00e9",
        "u/\u4e2d", "u/\ufffd", "u/\ud83d\ude00", "u/\ud83d\ude00/x");
    List<String> neighbours = List.of("u", "u.", "u0", "v", "t/\uffff");
    ByteString large = ByteString.copyFromUtf8("y".repeat(LARGE_VALUE_BYTES));
    neighbours.forEach(k -> store.put(k, large, null));
    underPrefix.forEach(k -> store.put(k, large, null));

    List<String> listed = keysOf(client, GetAllOptions.forPrefix("u/"));
    int listingCalls = node.requests("GetAll").size();
    List<String> afterEmoji = keysOf(client, GetAllOptions.forPrefix("u/").withStartAfter("u/\ud83d\ude00"));
    List<String> afterBeforePrefix = keysOf(client, GetAllOptions.forPrefix("u/").withStartAfter("t"));
    List<String> afterBeyondPrefix = keysOf(client, GetAllOptions.forPrefix("u/").withStartAfter("u0"));

    assertThat(listed).isEqualTo(underPrefix);
    assertThat(listingCalls).as("pages of three entries").isEqualTo(4);
    assertThat(afterEmoji).containsExactly("u/\ud83d\ude00/x");
    assertThat(afterBeforePrefix).isEqualTo(underPrefix);
    assertThat(afterBeyondPrefix).isEmpty();
  }

  @Test
  void writesDuringAListingShowOnlyAfterTheCursorAndNeverTwice() {
    populate("p/", 15_000);
    Iterator<GetAllResponse> pages = client.getAllPages(GetAllOptions.forPrefix("p/"));
    GetAllResponse first = pages.next();

    store.put("p/00000a", ByteString.copyFromUtf8("behind the cursor"), null);
    store.put("p/12345a", ByteString.copyFromUtf8("ahead of the cursor"), null);
    store.put("p/00001", ByteString.copyFromUtf8("rewritten behind the cursor"), null);
    store.delete("p/14999", null);
    List<GetAllResponse> rest = new ArrayList<>();
    pages.forEachRemaining(rest::add);

    List<String> listed = new ArrayList<>();
    first.getKvsList().forEach(kv -> listed.add(kv.getKey()));
    rest.forEach(page -> page.getKvsList().forEach(kv -> listed.add(kv.getKey())));
    assertThat(listed).doesNotHaveDuplicates().isSortedAccordingTo(FakeStore.KEY_ORDER)
        .contains("p/12345a").doesNotContain("p/00000a", "p/14999").hasSize(15_000);
    assertThat(rest).singleElement().satisfies(page ->
        assertThat(page.getHeader().getRevision()).isGreaterThan(first.getHeader().getRevision()));
  }

  @Test
  void aPageThatFailsMidListingThrowsInsteadOfEndingTheListing() {
    populate("p/", 25_000);
    node.failAfter("GetAll", 1, Status.PERMISSION_DENIED.withDescription("not allowed"));
    Iterator<GetAllResponse> pages = client.getAllPages(GetAllOptions.forPrefix("p/"));

    assertThat(pages.next().getKvsCount()).isEqualTo(10_000);
    KvClientException failure = catchThrowableOfType(KvClientException.class, pages::hasNext);

    assertThat(failure.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(failure.getMessage()).contains("GetAll").contains("not allowed");
    node.failAfter("GetAll", 2, Status.INTERNAL.withDescription("disk on fire"));
    assertThatThrownBy(() -> client.getAllStream(GetAllOptions.forPrefix("p/")).count())
        .isInstanceOf(KvClientException.class)
        .hasMessageContaining("disk on fire");
  }

  @Test
  void aPageFailsOverToAnotherNodeWhenItsNodeDies() {
    FakeKvServer second = cluster.node("n2");
    populate("p/", 25_000);
    Iterator<GetAllResponse> pages = client(node, second).getAllPages(GetAllOptions.forPrefix("p/"));
    List<String> listed = new ArrayList<>();
    pages.next().getKvsList().forEach(kv -> listed.add(kv.getKey()));

    node.kill();
    pages.forEachRemaining(page -> page.getKvsList().forEach(kv -> listed.add(kv.getKey())));

    assertThat(listed).isEqualTo(keys("p/", 0, 25_000));
    assertThat(second.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getStartAfter)
        .containsExactly("p/09999", "p/19999");
  }

  @Test
  void aShortCircuitingStreamFetchesNoFurtherPage() {
    populate("p/", 25_000);

    assertThat(client.getAllStream(GetAllOptions.all()).findFirst()).get()
        .extracting(KeyValue::getKey).isEqualTo("p/00000");
    assertThat(client.getAllStream(GetAllOptions.all()).limit(10_000).count()).isEqualTo(10_000);
    assertThat(node.requests("GetAll")).hasSize(2);
  }

  @Test
  void onePageCallPassesStartAfterAndAsksAtMostAPage() {
    populate("p/", 25_000);

    GetAllResponse page = client.getAll(GetAllOptions.forPrefix("p/").withStartAfter("p/19999").withLimit(25_000));
    GetAllResponse legacy = client.getAll("p/", 3, ReadConsistency.LINEARIZABLE);

    assertThat(page.getKvsCount()).isEqualTo(5_000);
    assertThat(page.getKvs(0).getKey()).isEqualTo("p/20000");
    assertThat(page.getMore()).isFalse();
    assertThat(page.getCount()).isEqualTo(5_000);
    assertThat(legacy.getKvsList()).extracting(KeyValue::getKey).isEqualTo(keys("p/", 0, 3));
    assertThat(client.getAll().getKvsCount()).isEqualTo(10_000);
    assertThat(node.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getLimit)
        .containsExactly(0L, 3L, 0L);
  }

  @Test
  void optionsRefuseANegativeLimitBeforeSendingAnything() {

    assertThatThrownBy(() -> GetAllOptions.all().withLimit(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit must be >= 0");
    assertThatThrownBy(() -> client.getAll("", -5, ReadConsistency.LINEARIZABLE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GetAllOptions.all().withConsistency(ReadConsistency.UNRECOGNIZED))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(node.requests("GetAll")).isEmpty();
  }

  @Test
  void anEmptyPageThatClaimsMoreEndsTheListingWithAnError() {
    GetAllResponse broken = GetAllResponse.newBuilder().setMore(true).setCount(3).build();
    Iterator<GetAllResponse> pages = new GetAllPages(GetAllOptions.all(), request -> broken);

    assertThatThrownBy(pages::hasNext)
        .isInstanceOf(KvClientException.class)
        .hasMessageContaining("empty page with more = true");
  }
}
