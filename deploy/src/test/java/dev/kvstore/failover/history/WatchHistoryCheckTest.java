package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Watch events checked against the writes: ordering, sources of values, and revisions. */
class WatchHistoryCheckTest {

  /** x = a (r1), x = b (r2), x = c with an unknown outcome, x deleted (r4), a rejected x = z. */
  private final History history = new HistoryBuilder()
      .add(new Operation(1, 1, OpType.WRITE, "x", "a", 0, 1, Outcome.OK, 1))
      .add(new Operation(2, 1, OpType.WRITE, "x", "b", 2, 3, Outcome.OK, 2))
      .unknownWrite(2, "x", "c", 4)
      .add(new Operation(4, 1, OpType.DELETE, "x", null, 5, 6, Outcome.OK, 4))
      .failedWrite(3, "x", "z", 7, 8)
      .build();

  private List<String> check(List<WatchEvent> events) {
    return WatchHistoryCheck.check(Map.of("w1", events), history);
  }

  @Test
  void eventsThatMatchTheWritesAreFine() {
    Map<String, List<WatchEvent>> watchers = Map.of(
        "w1", List.of(WatchEvent.put("x", "a", 1), WatchEvent.put("x", "b", 2), WatchEvent.put("x", "c", 3),
            WatchEvent.delete("x", 4)),
        // A watcher that started late sees only the later events.
        "w2", List.of(WatchEvent.put("x", "c", 3), WatchEvent.delete("x", 4)));

    assertThat(WatchHistoryCheck.check(watchers, history)).isEmpty();
  }

  @Test
  void aWatcherThatSawEveryAcknowledgedWriteIsComplete() {
    var complete = List.of(WatchEvent.put("x", "a", 1), WatchEvent.put("x", "b", 2), WatchEvent.delete("x", 4));
    assertThat(WatchHistoryCheck.missingWrites(Map.of("w1", complete), history)).isEmpty();
  }

  @Test
  void aMissedOrWrongAcknowledgedWriteIsReported() {
    var gap = List.of(WatchEvent.put("x", "a", 1), WatchEvent.delete("x", 4));
    assertThat(WatchHistoryCheck.missingWrites(Map.of("w1", gap), history))
        .singleElement().asString().contains("w1").contains("missed").contains("revision 2");
    var wrongValue = List.of(WatchEvent.put("x", "a", 1), WatchEvent.put("x", "z", 2));
    assertThat(WatchHistoryCheck.missingWrites(Map.of("w1", wrongValue), history))
        .singleElement().asString().contains("it saw");
  }

  @Test
  void noEventsAreFine() {
    assertThat(WatchHistoryCheck.check(Map.of("w1", List.of()), history)).isEmpty();
    assertThat(WatchHistoryCheck.check(Map.of(), History.empty())).isEmpty();
  }

  @Test
  void aDuplicateEventIsReported() {
    assertThat(check(List.of(WatchEvent.put("x", "a", 1), WatchEvent.put("x", "a", 1))))
        .singleElement().asString().contains("watcher w1").contains("duplicates");
  }

  @Test
  void eventsOutOfRevisionOrderAreReported() {
    assertThat(check(List.of(WatchEvent.put("x", "b", 2), WatchEvent.put("x", "a", 1))))
        .singleElement().asString().contains("PUT x = 'a' r1").contains("comes after");
  }

  @Test
  void theValueOfARejectedWriteIsReported() {
    assertThat(check(List.of(WatchEvent.put("x", "z", 5))))
        .singleElement().asString().contains("failed").contains("#5 p3 WRITE x = 'z'");
  }

  @Test
  void aValueNoClientWroteIsReported() {
    assertThat(check(List.of(WatchEvent.put("x", "invented", 5), WatchEvent.put("y", "a", 6))))
        .hasSize(2).allSatisfy(violation -> assertThat(violation).contains("no client ever wrote"));
  }

  @Test
  void anEventAtTheRevisionOfAnotherAcknowledgedWriteIsReported() {
    // 'c' may well have been written, but revision 2 is where the server said 'b' went.
    assertThat(check(List.of(WatchEvent.put("x", "c", 2))))
        .singleElement().asString().contains("revision 2 belongs to the acknowledged write #2");
    assertThat(check(List.of(WatchEvent.delete("x", 1))))
        .singleElement().asString().contains("revision 1 belongs to the acknowledged write #1");
  }

  @Test
  void aDeleteOfAKeyNobodyDeletedIsReported() {
    History writesOnly = new HistoryBuilder().write(1, "x", "a", 0, 1).build();

    assertThat(WatchHistoryCheck.check(Map.of("w1", List.of(WatchEvent.delete("x", 9))), writesOnly))
        .singleElement().asString().contains("no delete of x");
  }

  @Test
  void twoWritesAcknowledgedAtOneRevisionAreReported() {
    History clash = new HistoryBuilder()
        .add(new Operation(1, 1, OpType.WRITE, "x", "a", 0, 1, Outcome.OK, 5))
        .add(new Operation(2, 2, OpType.WRITE, "y", "b", 0, 1, Outcome.OK, 5))
        .build();

    assertThat(WatchHistoryCheck.check(Map.of(), clash))
        .singleElement().asString().contains("both acknowledged at revision 5");
  }

  @Test
  void everyViolationOfEveryWatcherIsReported() {
    Map<String, List<WatchEvent>> watchers = Map.of(
        "w1", List.of(WatchEvent.put("x", "b", 2), WatchEvent.put("x", "a", 1)),
        "w2", List.of(WatchEvent.put("x", "z", 7), WatchEvent.put("x", "z", 7)));

    List<String> violations = WatchHistoryCheck.check(watchers, history);

    // w1: out of order. w2: the rejected value twice, plus the duplicate.
    assertThat(violations).hasSize(4);
    assertThat(violations.get(0)).startsWith("watcher w1");
    assertThat(violations.get(3)).startsWith("watcher w2");
  }
}
