package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.client.GetAllOptions;
import dev.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client's paging against real nodes: more than a page of entries, and pages cut by the byte budget. */
class GetAllPagingTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static final int WRITES_IN_FLIGHT = 64;

  /**
   * A patient client: on a loaded machine a write may miss the node's request timeout, and the
   * client then retries it (same request id) until this much longer deadline.
   */
  private static KvClient client() {
    return KvClient.builder().endpoints(SHARED.cluster().endpoints()).requestTimeout(Duration.ofSeconds(60)).build();
  }

  private static List<String> keysOf(KvClient client, GetAllOptions options) {
    return client.getAllStream(options).map(KeyValue::getKey).toList();
  }

  private static List<GetAllResponse> pages(KvClient client, GetAllOptions options) {
    List<GetAllResponse> pages = new ArrayList<>();
    client.getAllPages(options).forEachRemaining(pages::add);
    return pages;
  }

  /** Writes every key with {@code value}, many at a time. */
  private static void putAll(KvClient client, List<String> keys, ByteString value) {
    ExecutorService writers = Executors.newFixedThreadPool(WRITES_IN_FLIGHT);
    try {
      CompletableFuture.allOf(keys.stream()
              .map(key -> CompletableFuture.runAsync(() -> client.put(key, value), writers))
              .toArray(CompletableFuture[]::new))
          .join();
    } finally {
      writers.shutdownNow();
    }
  }

  @Test
  void theClientListsMoreThanAPageOfRealEntriesInOrder() {
    int count = GetAllOptions.MAX_PAGE_ENTRIES + 500;
    List<String> keys = IntStream.range(0, count)
        .mapToObj(i -> String.format(Locale.ROOT, "paging/%05d", i))
        .toList();
    try (KvClient client = client()) {
      putAll(client, keys, ByteString.copyFromUtf8("v"));
      putAll(client, List.of("paging", "paging0", "pagings/x"), ByteString.copyFromUtf8("neighbour"));

      List<String> listed = keysOf(client, GetAllOptions.forPrefix("paging/"));
      List<GetAllResponse> all = pages(client, GetAllOptions.forPrefix("paging/"));
      List<GetAllResponse> cut = pages(client, GetAllOptions.forPrefix("paging/").withLimit(10_001));
      List<GetAllResponse> resumed = pages(client, GetAllOptions.forPrefix("paging/").withStartAfter("paging/00499"));

      assertThat(listed).isEqualTo(keys);
      assertThat(all).extracting(GetAllResponse::getKvsCount).containsExactly(10_000, 500);
      assertThat(all).extracting(GetAllResponse::getMore).containsExactly(true, false);
      assertThat(all).extracting(GetAllResponse::getCount).containsExactly((long) count, 500L);
      assertThat(all.get(1).getKvs(0).getKey()).isEqualTo("paging/10000");
      assertThat(cut).extracting(GetAllResponse::getKvsCount).containsExactly(10_000, 1);
      assertThat(cut.get(1).getMore()).as("the limit left entries out").isTrue();
      assertThat(resumed).extracting(GetAllResponse::getKvsCount).containsExactly(10_000);
      assertThat(resumed.get(0).getKvs(0).getKey()).isEqualTo("paging/00500");
      assertThat(resumed.get(0).getMore()).isFalse();
    }
  }

  @Test
  void pagesCutShortByTheByteBudgetKeepUnicodeKeysInByteOrder() {
    // Code point order, as the node keeps it: U+FFFD before the emoji, which String.compareTo reverses.
    List<String> keys = List.of("big/", "big/a", "big/\u00e9", "big/\u4e2d", "big/\ufffd", "big/\ud83d\ude00",
        "big/\ud83d\ude00/x");
    try (KvClient client = client()) {
      putAll(client, keys, ByteString.copyFrom(new byte[1_000_000]));

      List<GetAllResponse> pages = pages(client, GetAllOptions.forPrefix("big/"));
      List<String> afterEmoji = keysOf(client, GetAllOptions.forPrefix("big/").withStartAfter("big/\ud83d\ude00"));

      // A page's budget is about 3 MiB: three of these values fit, a fourth does not.
      assertThat(pages).extracting(GetAllResponse::getKvsCount).containsExactly(3, 3, 1);
      assertThat(pages).extracting(GetAllResponse::getMore).containsExactly(true, true, false);
      assertThat(pages.stream().flatMap(p -> p.getKvsList().stream()).map(KeyValue::getKey)).isEqualTo(keys);
      assertThat(afterEmoji).containsExactly("big/\ud83d\ude00/x");
    }
  }
}
