package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MixTest {

  @Test
  void readsOneOperationWeightsAndPresets() {
    assertThat(Mix.parse("put").types()).containsExactly(OperationType.PUT);
    assertThat(Mix.parse(" Get-Serializable ").toString()).isEqualTo("get-serializable");
    assertThat(Mix.parse("put=20,get=80").toString()).isEqualTo("put=20,get=80");
    assertThat(Mix.parse("put,get")).isEqualTo(Mix.parse("put=1,get=1"));
    assertThat(Mix.parse("mixed")).isEqualTo(Mix.parse("put=50,get=50"));
    assertThat(Mix.parse("put").reads()).isFalse();
    assertThat(Mix.parse("put=1,get-serializable=9").reads()).isTrue();
  }

  @Test
  void bindsEachOperationWithItsWeightInTheOrderWritten() {
    Operation any = key -> CompletableFuture.completedFuture(null);

    assertThat(Mix.parse("get=3,put=1").bind(type -> any))
        .extracting(WeightedOperation::name, WeightedOperation::weight)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("get", 3), org.assertj.core.groups.Tuple.tuple("put", 1));
  }

  @Test
  void badMixesSayWhatIsAllowed() {
    assertThatThrownBy(() -> Mix.parse("scan"))
        .hasMessage("unknown operation 'scan'; use put, get, get-serializable (or a preset: mixed)");
    assertThatThrownBy(() -> Mix.parse("put=0,get=1"))
        .hasMessage("the weight of put is '0'; weights are whole numbers of at least 1");
    assertThatThrownBy(() -> Mix.parse("put=half"))
        .hasMessageContaining("weights are whole numbers");
    assertThatThrownBy(() -> Mix.parse("put=1,put=2")).hasMessage("put appears twice in the mix");
    assertThatThrownBy(() -> Mix.parse("put=1=2")).hasMessageContaining("is not OPERATION=WEIGHT");
    assertThatThrownBy(() -> Mix.parse(" ")).hasMessageStartingWith("the mix is empty; use one of put, get");
  }

  @Test
  void keysArePaddedToSortInNumberOrder() {
    KeySpace keys = new KeySpace("bench/", 10_000);

    assertThat(keys.key(0)).isEqualTo("bench/0000");
    assertThat(keys.key(42)).isEqualTo("bench/0042");
    assertThat(keys.key(9_999)).isEqualTo("bench/9999");
    assertThat(new KeySpace("k", 1).key(0)).isEqualTo("k0");
  }

  @Test
  void sampleValuesArePrintableAndRepeatable() {
    byte[] value = KeySpace.sampleValue(256, 7);

    assertThat(value).hasSize(256).isEqualTo(KeySpace.sampleValue(256, 7)).isNotEqualTo(KeySpace.sampleValue(256, 8));
    for (byte b : value) {
      assertThat((char) b).matches(Character::isLetterOrDigit);
    }
  }
}
