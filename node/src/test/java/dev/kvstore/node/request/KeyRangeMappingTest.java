package dev.kvstore.node.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.RequestLimits;
import dev.kvstore.statemachine.KeyRange;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** The proto's key / range_end / prefix triple: which triples are refused, and what the others cover. */
class KeyRangeMappingTest {

  @Test
  void eachShapeMapsToItsRange() {
    assertThat(mapped("a", "", false)).isEqualTo(KeyRange.key("a"));
    assertThat(mapped("a/", "", true)).isEqualTo(KeyRange.prefix("a/"));
    assertThat(mapped("", "", true)).isEqualTo(KeyRange.all());
    assertThat(mapped("a", "\0", false)).isEqualTo(KeyRange.interval("a", null));
    assertThat(mapped("", "\0", false)).isEqualTo(KeyRange.interval("", null));
    assertThat(mapped("a", "c", false)).isEqualTo(KeyRange.interval("a", "c"));
  }

  @Test
  void refusesTriplesThatCoverNothingOrContradictThemselves() {
    assertRefused("", "", false, "key is empty");
    assertRefused("a", "b", true, "prefix and range_end exclude each other");
    assertRefused("b", "a", false, "range_end must sort after key");
    assertRefused("a", "a", false, "range_end must sort after key");
    assertRefused("a", "b".repeat(RequestLimits.MAX_KEY_BYTES + 1), false, "range_end is 4097 bytes");
  }

  @Test
  void ordersIntervalEndsByCodePointNotUtf16Unit() {
    // U+FFFD sorts before U+1F600 in UTF-8, although its UTF-16 unit is above the surrogates'.
    assertThat(mapped("\uFFFD", "\uD83D\uDE00", false)).isEqualTo(KeyRange.interval("\uFFFD", "\uD83D\uDE00"));
    assertRefused("\uD83D\uDE00", "\uFFFD", false, "range_end must sort after key");
  }

  private static KeyRange mapped(String key, String rangeEnd, boolean prefix) {
    RequestLimits.checkKeyRange(key, rangeEnd, prefix);
    return ApiMapping.keyRange(key, rangeEnd, prefix);
  }

  private static void assertRefused(String key, String rangeEnd, boolean prefix, String message) {
    assertThatThrownBy(() -> RequestLimits.checkKeyRange(key, rangeEnd, prefix))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }
}
