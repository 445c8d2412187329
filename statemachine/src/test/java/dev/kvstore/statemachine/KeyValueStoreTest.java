package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyValueStoreTest {

  private final KeyValueStore store = new KeyValueStore();

  private void put(String key) {
    store.put(key, ByteString.copyFromUtf8("v-" + key));
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
    store.delete("a");
    store.delete("missing");
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
  void rangeRejectsNonPositiveLimits() {
    assertThatThrownBy(() -> store.range("", 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
