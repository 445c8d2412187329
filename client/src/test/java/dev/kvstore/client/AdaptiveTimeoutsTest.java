package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptiveTimeoutsTest {

  private static final String PUT = "kvstore.KvStore/Put";
  private static final String GET = "kvstore.KvStore/Get";
  private static final Duration CONFIGURED = Duration.ofSeconds(2);
  private static final Duration FLOOR = Duration.ofMillis(500);
  private static final Duration HEDGE_FLOOR = Duration.ofMillis(250);

  private final AdaptiveTimeouts timeouts = new AdaptiveTimeouts(CONFIGURED, FLOOR, HEDGE_FLOOR);

  private static long ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }

  @Test
  void beforeAnySampleTheConfiguredTimeoutAppliesAndNothingIsHedgedEarly() {
    assertThat(timeouts.attemptTimeout(PUT, 0)).isEqualTo(CONFIGURED);
    assertThat(timeouts.hedgeDelay(GET)).isEqualTo(CONFIGURED);
  }

  @Test
  void fastAnswersBringTheTimeoutsDownToTheirFloors() {
    for (int i = 0; i < 20; i++) {
      timeouts.recordSuccess(PUT, ms(3));
      timeouts.recordSuccess(GET, ms(2));
    }

    assertThat(timeouts.attemptTimeout(PUT, 0)).isEqualTo(FLOOR);
    assertThat(timeouts.hedgeDelay(GET)).isEqualTo(HEDGE_FLOOR);
  }

  @Test
  void eachMethodHasItsOwnEstimate() {
    timeouts.recordSuccess(GET, ms(2));

    assertThat(timeouts.attemptTimeout(GET, 0)).isEqualTo(FLOOR);
    assertThat(timeouts.attemptTimeout(PUT, 0)).isEqualTo(CONFIGURED);
  }

  @Test
  void slowAnswersRaiseTheTimeoutButNeverAboveTheConfiguredOne() {
    for (int i = 0; i < 20; i++) {
      timeouts.recordSuccess(PUT, ms(i % 2 == 0 ? 200 : 600));
    }
    Duration raised = timeouts.attemptTimeout(PUT, 0);
    assertThat(raised).isGreaterThan(FLOOR).isLessThanOrEqualTo(CONFIGURED);

    for (int i = 0; i < 20; i++) {
      timeouts.recordSuccess(PUT, ms(5_000));
    }
    assertThat(timeouts.attemptTimeout(PUT, 0)).isEqualTo(CONFIGURED);
  }

  @Test
  void eachTimedOutAttemptOfACallDoublesTheNextOneUpToTheConfiguredTimeout() {
    timeouts.recordSuccess(PUT, ms(3));

    assertThat(timeouts.attemptTimeout(PUT, 1)).isEqualTo(Duration.ofMillis(1000));
    assertThat(timeouts.attemptTimeout(PUT, 2)).isEqualTo(CONFIGURED);
    assertThat(timeouts.attemptTimeout(PUT, 10)).isEqualTo(CONFIGURED);
  }

  @Test
  void floorsAboveTheConfiguredTimeoutAreLoweredToIt() {
    AdaptiveTimeouts tight = new AdaptiveTimeouts(Duration.ofMillis(300), FLOOR, Duration.ofMillis(400));
    tight.recordSuccess(GET, ms(1));

    assertThat(tight.attemptTimeout(GET, 0)).isEqualTo(Duration.ofMillis(300));
    assertThat(tight.hedgeDelay(GET)).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void theEstimateFollowsRfc6298() {
    ResponseTimeEstimate estimate = new ResponseTimeEstimate();
    assertThat(estimate.timeoutNanos()).isEmpty();

    estimate.add(ms(100));
    // First sample R: SRTT = R, RTTVAR = R/2, so SRTT + 4 RTTVAR = 3R.
    assertThat(estimate.timeoutNanos()).hasValue(ms(300));

    estimate.add(ms(100));
    // RTTVAR = 3/4 * 50 + 1/4 * 0 = 37.5 ms; SRTT stays 100 ms.
    assertThat(estimate.timeoutNanos()).hasValue(ms(250));
  }
}
