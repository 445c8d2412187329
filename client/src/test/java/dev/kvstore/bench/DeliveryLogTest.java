package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveryLogTest {

  private static final long FROM = 1_000_000_000L;
  private static final long UNTIL = 2_000_000_000L;

  /** Two keys, two watchers each: watchers 0 and 1 follow key 0, watchers 2 and 3 key 1. */
  private final DeliveryLog log = new DeliveryLog(new WatchLayout("w/", 4, 2, false));

  {
    log.measure(FROM, UNTIL);
  }

  @Test
  void everyWatcherThatGotEveryChangeOfItsKeyOnceIsComplete() {
    log.acknowledged(0, 5, FROM);
    log.acknowledged(1, 6, FROM + 1);
    for (int watcher : new int[] {0, 1}) {
      log.delivered(watcher, 5, FROM, FROM + 2_000_000);
    }
    for (int watcher : new int[] {2, 3}) {
      log.delivered(watcher, 6, FROM + 1, FROM + 1 + 2_000_000);
    }

    DeliveryCheck check = log.check();

    assertThat(check).isEqualTo(new DeliveryCheck(4, 4, 0, 0, 0));
    assertThat(check.complete()).isTrue();
    assertThat(log.latency().p50()).isEqualTo(2000);
  }

  @Test
  void eventsOfUnansweredPutsDoNotStandInForThoseOfAcknowledgedOnes() throws InterruptedException {
    log.acknowledged(0, 5, FROM);
    // The event of a put whose answer never came (revision 4) arrives before that of revision 5.
    log.delivered(0, 4, FROM, FROM + 1);
    log.delivered(1, 4, FROM, FROM + 1);
    assertThat(log.delivered()).isEqualTo(log.expected());
    assertThat(log.acknowledgedAllDelivered()).as("revision 5 is still on its way").isFalse();

    assertThat(log.awaitAcknowledgedDelivered(Duration.ofMillis(50), Duration.ofMillis(10)))
        .as("gives up after the time it was given").isFalse();

    log.delivered(0, 5, FROM, FROM + 2);
    log.delivered(1, 5, FROM, FROM + 2);
    assertThat(log.acknowledgedAllDelivered()).isTrue();
    assertThat(log.awaitAcknowledgedDelivered(Duration.ofMillis(50), Duration.ofMillis(10))).isTrue();
  }

  @Test
  void missedDuplicatedAndUnacknowledgedEventsAreCountedApart() {
    log.acknowledged(0, 5, FROM);
    log.acknowledged(0, 7, FROM);
    log.delivered(0, 5, FROM, FROM);
    log.delivered(0, 7, FROM, FROM);
    log.delivered(0, 7, FROM, FROM);
    log.delivered(1, 7, FROM, FROM);
    log.delivered(1, 9, FROM, FROM);

    DeliveryCheck check = log.check();

    assertThat(check.expected()).isEqualTo(4);
    assertThat(check.delivered()).isEqualTo(5);
    assertThat(check.missed()).as("watcher 1 never got revision 5").isEqualTo(1);
    assertThat(check.duplicates()).as("watcher 0 got revision 7 twice").isEqualTo(1);
    assertThat(check.unacknowledged()).as("revision 9's put had no answer").isEqualTo(1);
    assertThat(check.complete()).isFalse();
  }

  @Test
  void onlyPutsSentInTheWindowCount() {
    log.acknowledged(0, 3, FROM - 1);
    log.acknowledged(0, 4, UNTIL);
    log.delivered(0, 3, FROM - 1, FROM);
    log.delivered(0, 4, UNTIL, UNTIL);

    assertThat(log.check()).isEqualTo(new DeliveryCheck(0, 0, 0, 0, 0));
  }

  @Test
  void nothingCountsBeforeTheWindowIsSet() {
    DeliveryLog unset = new DeliveryLog(new WatchLayout("w/", 1, 1, false));
    unset.acknowledged(0, 1, FROM);
    unset.delivered(0, 1, FROM, FROM);

    assertThat(unset.check()).isEqualTo(new DeliveryCheck(0, 0, 0, 0, 0));
  }
}
