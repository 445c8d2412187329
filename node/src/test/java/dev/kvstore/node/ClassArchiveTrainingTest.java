package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The training's command line: no load by default, {@code --load-seconds N} within 0-3600. */
class ClassArchiveTrainingTest {

  @Test
  void noArgumentsMeansNoLoad() {
    assertThat(ClassArchiveTraining.loadSeconds()).isZero();
  }

  @Test
  void loadSecondsAreReadWithinTheirRange() {
    assertThat(ClassArchiveTraining.loadSeconds("--load-seconds", "30")).isEqualTo(30);
    assertThat(ClassArchiveTraining.loadSeconds("--load-seconds", "0")).isZero();
    assertThat(ClassArchiveTraining.loadSeconds("--load-seconds", "3600")).isEqualTo(3600);
  }

  @Test
  void aLengthOutsideTheRangeOrNotANumberSaysWhatIsAllowed() {
    for (String bad : new String[] {"-1", "3601", "30s", "", "99999999999999999999"}) {
      assertThatThrownBy(() -> ClassArchiveTraining.loadSeconds("--load-seconds", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("whole number of seconds from 0 to 3600")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void otherArgumentsAreRefusedWithTheUsage() {
    assertThatThrownBy(() -> ClassArchiveTraining.loadSeconds("--load-seconds"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage: [--load-seconds N]");
    assertThatThrownBy(() -> ClassArchiveTraining.loadSeconds("--seconds", "5"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage: [--load-seconds N]");
  }
}
