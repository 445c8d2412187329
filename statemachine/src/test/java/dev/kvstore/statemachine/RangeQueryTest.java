package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.RangeQuery.Order;
import dev.kvstore.statemachine.RangeQuery.SortTarget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeQueryTest {

  /** Keeps every revision, so that past revisions stay readable. */
  private final MvccStore store = new MvccStore(Long.MAX_VALUE);

  private long put(String key, String value) {
    return StoreWrites.put(store, key, ByteString.copyFromUtf8(value)).revision();
  }

  private static List<String> keys(RangeResult result) {
    return result.kvs().stream().map(KeyValue::key).toList();
  }

  /** Every entry of {@code query}, page after page of at most {@code pageSize}, at one revision. */
  private List<String> allPages(RangeQuery query, int pageSize) throws RevisionUnavailableException {
    List<String> seen = new ArrayList<>();
    RangeResult page = query.limited(pageSize, Long.MAX_VALUE).run(store);
    RangeQuery next = query.atRevision(page.revision()).limited(pageSize, Long.MAX_VALUE);
    seen.addAll(keys(page));
    int pages = 1;
    while (page.more()) {
      assertThat(pages++).as("pages end").isLessThan(1_000);
      page = next.after(seen.get(seen.size() - 1)).run(store);
      seen.addAll(keys(page));
    }
    return seen;
  }

  private static List<String> reversed(List<String> keys) {
    List<String> copy = new ArrayList<>(keys);
    Collections.reverse(copy);
    return copy;
  }

  @Test
  void readsAKeyAPrefixAndAnIntervalInKeyOrder() throws Exception {
    for (String key : List.of("a", "b/1", "b/2", "b/3", "c", "d")) {
      put(key, key);
    }
    assertThat(keys(RangeQuery.of(KeyRange.key("b/2")).run(store))).containsExactly("b/2");
    assertThat(keys(RangeQuery.of(KeyRange.prefix("b/")).run(store))).containsExactly("b/1", "b/2", "b/3");
    assertThat(keys(RangeQuery.of(KeyRange.interval("b/2", "d")).run(store))).containsExactly("b/2", "b/3", "c");
    assertThat(keys(RangeQuery.of(KeyRange.interval("c", null)).run(store))).containsExactly("c", "d");
    RangeResult all = RangeQuery.of(KeyRange.all()).run(store);
    assertThat(all.count()).isEqualTo(6);
    assertThat(all.more()).isFalse();
    assertThat(all.revision()).isEqualTo(6);
  }

  @Test
  void descendingKeyOrderReversesTheRange() throws Exception {
    for (String key : List.of("a", "b/1", "b/2", "b/3", "c")) {
      put(key, key);
    }
    RangeQuery prefix = RangeQuery.of(KeyRange.prefix("b/")).sorted(SortTarget.KEY, Order.DESCEND);
    assertThat(keys(prefix.run(store))).containsExactly("b/3", "b/2", "b/1");
    assertThat(keys(RangeQuery.of(KeyRange.interval("a", "c")).sorted(SortTarget.KEY, Order.DESCEND).run(store)))
        .containsExactly("b/3", "b/2", "b/1", "a");
    RangeResult limited = prefix.limited(2, Long.MAX_VALUE).run(store);
    assertThat(keys(limited)).containsExactly("b/3", "b/2");
    assertThat(limited.more()).isTrue();
    assertThat(limited.count()).isEqualTo(3);
  }

  @Test
  void aPagedReadInKeyOrderReturnsEveryKeyOnceInOrder() throws Exception {
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      String key = String.format("k%04d", i);
      put(key, "v");
      written.add(key);
    }
    put("other", "x");
    RangeQuery prefix = RangeQuery.of(KeyRange.prefix("k"));
    assertThat(allPages(prefix, 7)).containsExactlyElementsOf(written);
    assertThat(allPages(prefix.sorted(SortTarget.KEY, Order.DESCEND), 7))
        .containsExactlyElementsOf(reversed(written));
  }

  @Test
  void theByteBudgetCutsAPageButNeverEmptiesIt() throws Exception {
    String big = "x".repeat(1000);
    for (int i = 0; i < 10; i++) {
      put("k" + i, big);
    }
    RangeResult one = RangeQuery.of(KeyRange.all()).limited(0, 1).run(store);
    assertThat(keys(one)).containsExactly("k0");
    assertThat(one.more()).isTrue();
    RangeResult some = RangeQuery.of(KeyRange.all()).limited(0, 3_500).run(store);
    assertThat(some.kvs()).hasSize(3);
    assertThat(some.count()).isEqualTo(10);
    RangeResult keysOnly = RangeQuery.of(KeyRange.all()).limited(0, 3_500).showing(true, false).run(store);
    assertThat(keysOnly.kvs()).as("without values the same budget holds every key").hasSize(10);
    assertThat(keysOnly.kvs()).allSatisfy(kv -> assertThat(kv.value().isEmpty()).isTrue());
    assertThat(keysOnly.more()).isFalse();
  }

  @Test
  void countOnlyReturnsTheCountAlone() throws Exception {
    for (int i = 0; i < 5; i++) {
      put("k" + i, "v");
    }
    RangeResult count = RangeQuery.of(KeyRange.prefix("k")).showing(false, true).limited(2, 1).run(store);
    assertThat(count.kvs()).isEmpty();
    assertThat(count.count()).isEqualTo(5);
    assertThat(count.more()).isFalse();
  }

  @Test
  void sortsByVersionCreateModAndValueWithTiesInKeyOrder() throws Exception {
    put("a", "3");
    put("b", "1");
    put("c", "2");
    put("b", "9");
    put("b", "0");
    put("a", "5");
    // version: a 2, b 3, c 1; create: a 1, b 2, c 3; mod: c 3, a 6, b 5; value: a "5", b "0", c "2".
    RangeQuery all = RangeQuery.of(KeyRange.all());
    assertThat(keys(all.sorted(SortTarget.VERSION, Order.ASCEND).run(store))).containsExactly("c", "a", "b");
    assertThat(keys(all.sorted(SortTarget.VERSION, Order.DESCEND).run(store))).containsExactly("b", "a", "c");
    assertThat(keys(all.sorted(SortTarget.CREATE, Order.DESCEND).run(store))).containsExactly("c", "b", "a");
    assertThat(keys(all.sorted(SortTarget.MOD, Order.ASCEND).run(store))).containsExactly("c", "b", "a");
    assertThat(keys(all.sorted(SortTarget.VALUE, Order.ASCEND).run(store))).containsExactly("b", "c", "a");

    put("d", "2");
    assertThat(keys(all.sorted(SortTarget.VALUE, Order.ASCEND).run(store))).as("a tie in key order")
        .containsExactly("b", "c", "d", "a");
    assertThat(keys(all.sorted(SortTarget.VALUE, Order.DESCEND).run(store))).as("reversed, ties too")
        .containsExactly("a", "d", "c", "b");
  }

  @Test
  void aSortedReadPagesThroughARangeLargerThanItsHeap() throws Exception {
    // Values in reverse key order, with ties: the sorted order is unlike key order.
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      put(String.format("k%03d", i), String.format("%02d", (299 - i) / 3));
    }
    for (int value = 0; value < 100; value++) {
      for (int i = 299 - 3 * value - 2; i <= 299 - 3 * value; i++) {
        expected.add(String.format("k%03d", i));
      }
    }
    RangeQuery byValue = RangeQuery.of(KeyRange.prefix("k")).sorted(SortTarget.VALUE, Order.ASCEND);
    assertThat(allPages(byValue, 11)).containsExactlyElementsOf(expected);
    assertThat(allPages(byValue.sorted(SortTarget.VALUE, Order.DESCEND), 11))
        .containsExactlyElementsOf(reversed(expected));
  }

  @Test
  void aSortedPageHoldsAtMostTheMaximumWhateverItsLimit() throws Exception {
    WriteTxn txn = store.write();
    for (int i = 0; i < RangeQuery.MAX_SORTED_PAGE + 5; i++) {
      txn.put("k" + i, ByteString.EMPTY);
    }
    txn.end();
    RangeResult page = RangeQuery.of(KeyRange.all()).sorted(SortTarget.MOD, Order.ASCEND).run(store);
    assertThat(page.kvs()).hasSize(RangeQuery.MAX_SORTED_PAGE);
    assertThat(page.more()).isTrue();
    assertThat(page.count()).isEqualTo(RangeQuery.MAX_SORTED_PAGE + 5);
  }

  @Test
  void readsAPastRevisionAndPagesStayAtTheFirstPagesRevision() throws Exception {
    put("a", "1");
    put("b", "1");
    long second = put("c", "1");
    put("b", "2");
    put("d", "1");

    RangeResult past = RangeQuery.of(KeyRange.all()).atRevision(second).run(store);
    assertThat(keys(past)).containsExactly("a", "b", "c");
    assertThat(past.kvs().get(1).value().toStringUtf8()).isEqualTo("1");
    assertThat(past.revision()).isEqualTo(second);

    RangeQuery paged = RangeQuery.of(KeyRange.all()).limited(1, Long.MAX_VALUE);
    RangeResult first = paged.run(store);
    put("aa", "written between pages");
    RangeResult next = paged.atRevision(first.revision()).after("a").run(store);
    assertThat(keys(next)).as("the page after \"a\" at the first page's revision").containsExactly("b");
    assertThat(next.kvs().get(0).value().toStringUtf8()).isEqualTo("2");
    assertThat(next.count()).isEqualTo(4);
  }

  @Test
  void unavailableRevisionsAreRefusedWithTheirBounds() throws Exception {
    put("a", "1");
    put("a", "2");
    put("a", "3");
    store.compact(2);
    assertThatThrownBy(() -> RangeQuery.of(KeyRange.all()).atRevision(1).run(store))
        .isInstanceOfSatisfying(RevisionCompactedException.class,
            e -> assertThat(e.oldestAvailableRevision()).isEqualTo(2));
    assertThatThrownBy(() -> RangeQuery.of(KeyRange.all()).atRevision(4).run(store))
        .isInstanceOfSatisfying(FutureRevisionException.class, e -> assertThat(e.currentRevision()).isEqualTo(3));
  }

  @Test
  void aSortedReadResumesOnlyAfterAKeyOfItsRange() throws Exception {
    put("a", "1");
    long revision = put("b", "1");
    RangeQuery byValue = RangeQuery.of(KeyRange.all()).sorted(SortTarget.VALUE, Order.ASCEND);
    assertThatThrownBy(() -> byValue.after("a")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("revision of its first page");
    assertThatThrownBy(() -> byValue.atRevision(revision).after("zz").run(store))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not in the range");
    assertThat(keys(byValue.atRevision(revision).after("a").run(store))).containsExactly("b");
  }

  @Test
  void rejectsNegativeArguments() {
    RangeQuery all = RangeQuery.of(KeyRange.all());
    assertThatThrownBy(() -> all.atRevision(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> all.limited(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> all.limited(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
