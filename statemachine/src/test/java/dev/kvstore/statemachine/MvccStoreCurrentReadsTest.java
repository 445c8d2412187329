package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads of the current revision ({@link KvReadView}) and loads of an {@link MvccStore}. */
class MvccStoreCurrentReadsTest {

  private final MvccStore store = new MvccStore(0);

  private void put(String key) {
    StoreWrites.put(store, key, ByteString.copyFromUtf8("v-" + key));
  }

  private static List<String> keys(RangeResult r) {
    return r.kvs().stream().map(KeyValue::key).toList();
  }

  @Test
  void rangeReturnsPrefixMatchesInKeyOrderWithCountAndMore() {
    List.of("b/2", "a", "b/1", "b", "b/3", "c", "b0").forEach(this::put);

    RangeResult all = store.range("", 100);
    assertThat(keys(all)).containsExactly("a", "b", "b/1", "b/2", "b/3", "b0", "c");
    assertThat(all.more()).isFalse();
    assertThat(all.count()).isEqualTo(7);

    RangeResult prefix = store.range("b/", 2);
    assertThat(keys(prefix)).containsExactly("b/1", "b/2");
    assertThat(prefix.count()).isEqualTo(3);
    assertThat(prefix.more()).isTrue();
    assertThat(prefix.revision()).isEqualTo(7);

    assertThat(store.range("zzz", 10).kvs()).isEmpty();
  }

  @Test
  void startAfterPagesThroughAPrefix() {
    List.of("a", "p/1", "p/2", "p/3", "p/4", "q").forEach(this::put);
    RangeResult first = store.range("p/", "", 2, Long.MAX_VALUE);
    assertThat(keys(first)).containsExactly("p/1", "p/2");
    RangeResult second = store.range("p/", "p/2", 2, Long.MAX_VALUE);
    assertThat(keys(second)).containsExactly("p/3", "p/4");
    assertThat(second.more()).isFalse();
    assertThat(second.count()).isEqualTo(2);
    // a cursor before the prefix starts at the prefix
    assertThat(keys(store.range("p/", "a", 10, Long.MAX_VALUE))).containsExactly("p/1", "p/2", "p/3", "p/4");
  }

  @Test
  void byteBudgetCutsThePageButNeverBelowOneEntry() {
    StoreWrites.put(store, "big1", ByteString.copyFrom(new byte[1000]));
    StoreWrites.put(store, "big2", ByteString.copyFrom(new byte[1000]));
    StoreWrites.put(store, "big3", ByteString.copyFrom(new byte[1000]));
    RangeResult r = store.range("big", "", 100, 2200);
    assertThat(keys(r)).containsExactly("big1", "big2");
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(3);
    assertThat(keys(store.range("big", "", 100, 10))).containsExactly("big1");
  }

  @Test
  void byteBudgetCountsKeysInUtf8Bytes() {
    // keys of three-byte characters: 4093 bytes of UTF-8 in 1367 chars
    String prefix = "\u20ac".repeat(1363);
    for (int i = 0; i < 1500; i++) {
      StoreWrites.put(store, prefix + String.format("%04d", i), ByteString.EMPTY);
    }
    long budget = 3L << 20;

    RangeResult page = store.range(prefix, "", 10_000, budget);

    long keyBytes = page.kvs().stream().mapToLong(kv -> kv.key().getBytes(StandardCharsets.UTF_8).length).sum();
    assertThat(keyBytes).isLessThanOrEqualTo(budget);
    assertThat(page.more()).isTrue();
  }

  @Test
  void keysSortByCodePointLikeTheirUtf8Bytes() {
    String bmpHigh = "\uFF21";          // FULLWIDTH A, U+FF21
    String supplementary = "\uD83D\uDE00"; // U+1F600
    put(supplementary);
    put(bmpHigh);
    put("z");
    assertThat(keys(store.range("", 10))).containsExactly("z", bmpHigh, supplementary);
  }

  @Test
  void sizeTracksCreatesAndDeletes() {
    put("a");
    put("a");
    put("b");
    StoreWrites.delete(store, "a");
    StoreWrites.delete(store, "missing");
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void resetReplacesContentAndRevision() {
    put("old");
    store.reset(List.of(new KeyValue("new", ByteString.copyFromUtf8("v"), 5, 9, 2)), 42);
    assertThat(store.get("old")).isEmpty();
    assertThat(store.get("new").orElseThrow().modRevision()).isEqualTo(9);
    assertThat(store.revision()).isEqualTo(42);
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void resetBuildsAStoreThatSearchesAndChangesLikeOneBuiltByPuts() {
    List<KeyValue> sorted = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sorted.add(new KeyValue(String.format("k%04d", i), ByteString.copyFromUtf8("v" + i), i + 1, i + 1, 1));
    }
    store.reset(sorted, 1000);

    assertThat(store.get("k0500").orElseThrow().value().toStringUtf8()).isEqualTo("v500");
    assertThat(keys(store.range("k099", 100))).containsExactly("k0990", "k0991", "k0992", "k0993", "k0994",
        "k0995", "k0996", "k0997", "k0998", "k0999");
    StoreWrites.put(store, "k0500a", ByteString.EMPTY);
    StoreWrites.delete(store, "k0501");
    assertThat(keys(store.range("k050", 3))).containsExactly("k0500", "k0500a", "k0502");
    assertThat(store.size()).isEqualTo(1000);
  }

  @Test
  void resetRefusesKeyValuesOutOfKeyOrderAndKeepsTheOldContent() {
    put("old");
    KeyValue b = new KeyValue("b", ByteString.EMPTY, 1, 1, 1);
    KeyValue a = new KeyValue("a", ByteString.EMPTY, 2, 2, 1);

    assertThatThrownBy(() -> store.reset(List.of(b, a), 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a\" comes after \"b\"");
    assertThatThrownBy(() -> store.reset(List.of(a, a), 2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(keys(store.range("", 10))).containsExactly("old");
  }

  @Test
  void rangeRejectsNonPositiveLimits() {
    assertThatThrownBy(() -> store.range("", 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
