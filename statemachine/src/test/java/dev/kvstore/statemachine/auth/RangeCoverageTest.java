package dev.kvstore.statemachine.auth;

import static dev.kvstore.statemachine.KeyRange.interval;
import static dev.kvstore.statemachine.KeyRange.key;
import static dev.kvstore.statemachine.KeyRange.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.statemachine.KeyRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeCoverageTest {

  private static boolean covers(List<KeyRange> granted, KeyRange target) {
    return RangeCoverage.covers(granted, target);
  }

  @Test
  void aKeyIsCoveredByAnyRangeThatContainsIt() {
    assertThat(covers(List.of(key("a")), key("a"))).isTrue();
    assertThat(covers(List.of(prefix("ap")), key("app"))).isTrue();
    assertThat(covers(List.of(interval("a", "b")), key("a"))).isTrue();
    assertThat(covers(List.of(interval("a", "b")), key("b"))).as("the end is excluded").isFalse();
    assertThat(covers(List.of(interval("a", null)), key("zzz"))).isTrue();
    assertThat(covers(List.of(), key("a"))).isFalse();
  }

  @Test
  void aPrefixIsCoveredByAShorterPrefixOrAnIntervalAroundIt() {
    assertThat(covers(List.of(prefix("a/")), prefix("a/b/"))).isTrue();
    assertThat(covers(List.of(prefix("a/b/")), prefix("a/"))).isFalse();
    assertThat(covers(List.of(prefix("")), prefix("anything"))).isTrue();
    // every key starting with "a/" sorts in ["a/", "a0"): '/' + 1 is '0'
    assertThat(covers(List.of(interval("a/", "a0")), prefix("a/"))).isTrue();
    assertThat(covers(List.of(interval("a/", "a/\uFFFF")), prefix("a/"))).as("a/ followed by a supplementary character sorts after it").isFalse();
  }

  @Test
  void adjacentAndOverlappingRangesCoverTheirUnionButAGapBreaksIt() {
    assertThat(covers(List.of(interval("a", "c"), interval("c", "e")), interval("b", "d"))).isTrue();
    assertThat(covers(List.of(interval("c", "e"), interval("a", "d")), interval("a", "e"))).as("any order").isTrue();
    assertThat(covers(List.of(interval("a", "c"), interval("c\0", "e")), interval("a", "e")))
        .as("the key c itself is missing").isFalse();
    assertThat(covers(List.of(interval("a", "c"), key("c"), interval("c\0", "e")), interval("a", "e")))
        .as("a key fills exactly the gap of one key").isTrue();
    assertThat(covers(List.of(interval("a", "b")), interval("a", "c"))).isFalse();
  }

  @Test
  void anIntervalWithoutEndNeedsARangeWithoutEnd() {
    assertThat(covers(List.of(interval("a", "z")), interval("b", null))).isFalse();
    assertThat(covers(List.of(interval("a", "m"), interval("m", null)), interval("b", null))).isTrue();
    assertThat(covers(List.of(prefix("")), interval("", null))).isTrue();
    assertThat(covers(List.of(prefix("\uDBFF\uDFFF")), interval("\uDBFF\uDFFF", null)))
        .as("a prefix of only U+10FFFF has no end either").isTrue();
  }

  @Test
  void keysOrderByCodePointSoSupplementaryCharactersSortAfterThePrivateUseArea() {
    // U+E000 < U+1F600 in code point (UTF-8) order, though not in UTF-16 unit order
    assertThat(covers(List.of(interval("\uE000", "\uD83D\uDE01")), key("\uD83D\uDE00"))).isTrue();
    assertThat(covers(List.of(interval("\uE000", "\uD83D\uDE01")), interval("\uE000", "\uD83D\uDE00"))).isTrue();
  }
}
