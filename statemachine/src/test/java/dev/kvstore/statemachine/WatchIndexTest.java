package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WatchIndexTest {

  private final WatchHub hub = new WatchHub(new MvccStore(0), 10);
  private final WatchIndex index = new WatchIndex();

  /** A watch the index can hold; only its filter matters here. */
  private Watch watch(WatchFilter filter) {
    return new Watch(hub, filter, 0, 1, 10, null, () -> { });
  }

  private Watch added(WatchFilter filter) {
    Watch w = watch(filter);
    index.add(w);
    return w;
  }

  @Test
  void ofManyWatchesOnlyThoseThatMatchAreFound() {
    List<Watch> exact = new ArrayList<>();
    List<Watch> prefixes = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      exact.add(added(WatchFilter.exact(String.format("users/%05d", i))));
      prefixes.add(added(WatchFilter.prefix(String.format("users/%05d/", i))));
    }

    assertThat(index.matching("users/04242")).containsExactly(exact.get(4242));
    assertThat(index.matching("users/04242/name")).containsExactly(prefixes.get(4242));
    assertThat(index.matching("users/04242/")).containsExactly(prefixes.get(4242));
    assertThat(index.matching("users/0424")).isEmpty();
    assertThat(index.matching("orders/1")).isEmpty();
    assertThat(index.size()).isEqualTo(20_000);
    assertThat(index.prefixLengths()).isEqualTo(1);
  }

  @Test
  void overlappingPrefixesAllMatchShortestFirstAndEachWatchOnce() {
    Watch everything = added(WatchFilter.prefix(""));
    Watch a = added(WatchFilter.prefix("a"));
    Watch ab = added(WatchFilter.prefix("ab"));
    Watch abPrefixAgain = added(WatchFilter.prefix("ab"));
    Watch abc = added(WatchFilter.prefix("abc"));
    Watch abd = added(WatchFilter.prefix("abd"));
    Watch exactAbc = added(WatchFilter.exact("abc"));
    Watch exactAb = added(WatchFilter.exact("ab"));

    assertThat(index.matching("abc")).containsExactly(exactAbc, everything, a, ab, abPrefixAgain, abc);
    assertThat(index.matching("abcd")).containsExactly(everything, a, ab, abPrefixAgain, abc);
    assertThat(index.matching("ab")).containsExactly(exactAb, everything, a, ab, abPrefixAgain);
    assertThat(index.matching("b")).containsExactly(everything);
    assertThat(index.matching("abd")).contains(abd).doesNotContain(abc, exactAbc);
  }

  @Test
  void theEmptyPrefixMatchesEveryKey() {
    Watch everything = added(WatchFilter.prefix(""));

    assertThat(index.matching("x")).containsExactly(everything);
    assertThat(index.matching("a/very/long/key/" + "k".repeat(4000))).containsExactly(everything);
  }

  @Test
  void prefixesMatchByCharsLikeStartsWith() {
    Watch accented = added(WatchFilter.prefix("caf\u00e9/"));
    Watch emoji = added(WatchFilter.prefix("\uD83D\uDE00"));

    assertThat(index.matching("caf\u00e9/menu")).containsExactly(accented);
    assertThat(index.matching("cafe/menu")).isEmpty();
    assertThat(index.matching("\uD83D\uDE00!")).containsExactly(emoji);
  }

  @Test
  void removingEveryWatchLeavesNoKeyPrefixOrLengthBehind() {
    SplittableRandom random = new SplittableRandom(7);
    List<Watch> all = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      String key = "k/" + random.nextInt(500) + "/".repeat(random.nextInt(5));
      all.add(added(random.nextBoolean() ? WatchFilter.exact(key) : WatchFilter.prefix(key)));
    }
    assertThat(index.prefixLengths()).isGreaterThan(1);

    for (Watch w : all) {
      assertThat(index.remove(w)).isTrue();
      assertThat(index.remove(w)).as("a second removal").isFalse();
    }

    assertThat(index.size()).isZero();
    assertThat(index.watchedKeys()).isZero();
    assertThat(index.watchedPrefixes()).isZero();
    assertThat(index.prefixLengths()).isZero();
    assertThat(index.matching("k/1/")).isEmpty();
  }

  @Test
  void aPrefixLengthStaysWhileAnotherPrefixOfThatLengthIsWatched() {
    Watch ab = added(WatchFilter.prefix("ab"));
    Watch cd = added(WatchFilter.prefix("cd"));

    index.remove(ab);

    assertThat(index.prefixLengths()).isEqualTo(1);
    assertThat(index.matching("cdx")).containsExactly(cd);
    assertThat(index.matching("abx")).isEmpty();
  }

  @Test
  void removeAllReturnsEachWatchOnceAndEmptiesTheIndex() {
    Watch a = added(WatchFilter.exact("a"));
    Watch b = added(WatchFilter.prefix("b"));
    Watch c = added(WatchFilter.prefix(""));

    assertThat(index.removeAll()).containsExactlyInAnyOrder(a, b, c);
    assertThat(index.size()).isZero();
    assertThat(index.prefixLengths()).isZero();
    assertThat(index.matching("b")).isEmpty();
  }

  @Test
  void aWatchNeverAddedIsNotRemoved() {
    added(WatchFilter.exact("k"));

    assertThat(index.remove(watch(WatchFilter.exact("k")))).isFalse();
    assertThat(index.remove(watch(WatchFilter.prefix("k")))).isFalse();
    assertThat(index.size()).isEqualTo(1);
  }
}
