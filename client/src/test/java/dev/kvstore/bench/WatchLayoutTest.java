package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WatchLayoutTest {

  @Test
  void everyKeyHasAsManyWatchersAsAsked() {
    WatchLayout layout = new WatchLayout("w/", 6, 2, false);

    assertThat(layout.keys()).isEqualTo(3);
    assertThat(IntStream.range(0, 6).map(layout::keyOf)).containsExactly(0, 0, 1, 1, 2, 2);
    assertThat(layout.watched(3)).isEqualTo("w/1");
    assertThat(layout.putKey(1)).isEqualTo("w/1");
    assertThat(layout.describe()).isEqualTo("6 watchers on 3 keys w/* (2 per key, exact key)");
  }

  @Test
  void prefixWatchersFollowKeySlashAndPutsGoUnderIt() {
    WatchLayout layout = new WatchLayout("w/", 12, 1, true);

    assertThat(layout.watched(7)).isEqualTo("w/07/");
    assertThat(layout.putKey(7)).isEqualTo("w/07/v").startsWith(layout.watched(7));
    assertThat(layout.putKey(7)).doesNotStartWith(layout.watched(0));
    assertThat(layout.describe()).contains("prefix KEY/ each");
  }

  @Test
  void watchersMustFillEveryKeyEqually() {
    assertThatThrownBy(() -> new WatchLayout("w/", 10, 3, false))
        .hasMessage("--watchers (10) must be a multiple of --watchers-per-key (3), so that every key has as many watchers");
    assertThatThrownBy(() -> new WatchLayout("w/", 0, 1, false))
        .hasMessageContaining("must be at least 1");
  }
}
