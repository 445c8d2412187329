package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class StalledFollowerLinksTest {

  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");

  private final Map<RaftPeerId, Long> silences = new HashMap<>();
  private final List<RaftPeerId> renewed = new ArrayList<>();
  private long now = 1_000;
  private final StalledFollowerLinks links = new StalledFollowerLinks("n1", () -> Map.copyOf(silences),
      renewed::add, Duration.ofMillis(3_000), () -> now);

  @Test
  void followersThatAnswerKeepTheirConnections() {
    silences.put(N2, 200L);
    silences.put(N3, 3_000L);
    links.check();
    assertThat(renewed).isEmpty();
  }

  @Test
  void aSilentFollowerGetsANewConnectionThenAnotherEachThresholdWhileItStaysSilent() {
    silences.put(N2, 100L);
    silences.put(N3, 3_001L);
    links.check();
    assertThat(renewed).containsExactly(N3);

    advance(2_999, N3);
    links.check();
    assertThat(renewed).containsExactly(N3);

    advance(1, N3);
    links.check();
    assertThat(renewed).containsExactly(N3, N3);
  }

  @Test
  void aFollowerThatAnswersAgainStartsOver() {
    silences.put(N2, 5_000L);
    links.check();
    silences.put(N2, 50L);
    advance(500);
    links.check();
    // Silent again soon after: renewed at once, not a threshold after the last renewal.
    silences.put(N2, 3_500L);
    advance(500, N2);
    links.check();
    assertThat(renewed).containsExactly(N2, N2);
  }

  @Test
  void nothingIsRenewedOnAFollowerOrAfterLeadershipEnds() {
    silences.put(N2, 10_000L);
    links.check();
    silences.clear();
    advance(10_000);
    links.check();
    assertThat(renewed).containsExactly(N2);
  }

  /** Time passes; the {@code silent} followers hear nothing meanwhile, the others keep answering. */
  private void advance(long ms, RaftPeerId... silent) {
    now += ms;
    for (RaftPeerId id : silent) {
      silences.computeIfPresent(id, (ignored, before) -> before + ms);
    }
  }
}
