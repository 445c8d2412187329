package dev.kvstore.node.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class RaftFailuresTest {

  @Test
  void theTimeWaitedIsSecondsWithOneDecimalRoundedHalfUp() {
    assertThat(RaftFailures.seconds(Duration.ZERO)).isEqualTo("0.0s");
    assertThat(RaftFailures.seconds(Duration.ofMillis(49))).isEqualTo("0.0s");
    assertThat(RaftFailures.seconds(Duration.ofMillis(50))).isEqualTo("0.1s");
    assertThat(RaftFailures.seconds(Duration.ofMillis(1_949))).isEqualTo("1.9s");
    assertThat(RaftFailures.seconds(Duration.ofMillis(1_950))).isEqualTo("2.0s");
    assertThat(RaftFailures.seconds(Duration.ofSeconds(5))).isEqualTo("5.0s");
    assertThat(RaftFailures.seconds(Duration.ofMillis(12_345))).isEqualTo("12.3s");
  }

  @Test
  void theTimeWaitedHasADotWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      assertThat(RaftFailures.seconds(Duration.ofMillis(2_500))).isEqualTo("2.5s");
    } finally {
      Locale.setDefault(before);
    }
  }
}
