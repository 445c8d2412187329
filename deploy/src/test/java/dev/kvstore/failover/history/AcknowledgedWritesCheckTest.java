package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which final values count as "no acknowledged write lost", and how losses are reported. */
class AcknowledgedWritesCheckTest {

  /** A map that, unlike {@code Map.of}, can say that a key was read as absent. */
  private static Map<String, String> finalValue(String key, String value) {
    Map<String, String> finals = new HashMap<>();
    finals.put(key, value);
    return finals;
  }

  private static final History TWO_SEQUENTIAL_WRITES = new HistoryBuilder()
      .write(1, "x", "a", 0, 1)
      .write(1, "x", "b", 2, 3)
      .build();

  @Test
  void theLastAcknowledgedWriteSurvives() {
    assertThat(AcknowledgedWritesCheck.check(TWO_SEQUENTIAL_WRITES, finalValue("x", "b"))).isEmpty();
  }

  @Test
  void losingTheLastAcknowledgedWriteIsReported() {
    List<String> violations = AcknowledgedWritesCheck.check(TWO_SEQUENTIAL_WRITES, finalValue("x", "a"));

    assertThat(violations).singleElement().asString()
        .startsWith("key x: final value 'a'")
        .contains("#1 p1 WRITE x = 'a' 0.000..0.000ms OK wrote it but was overwritten by #2")
        .contains("not overwritten by a later acknowledged write: #2 p1 WRITE x = 'b'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void eitherOfTwoConcurrentWritesMayWin(String winner) {
    History concurrent = new HistoryBuilder()
        .write(1, "x", "a", 0, 10)
        .write(2, "x", "b", 1, 9)
        .build();

    assertThat(AcknowledgedWritesCheck.check(concurrent, finalValue("x", winner))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "c"})
  void anUnknownWriteMayTakeEffectLateOrNever(String finalValue) {
    History history = new HistoryBuilder()
        .unknownWrite(1, "x", "c", 0)
        .write(2, "x", "a", 1, 2)
        .build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", finalValue))).isEmpty();
  }

  @Test
  void anUnknownWriteMayTakeEffectAfterTheClientGaveUp() {
    // The recorder stores when the client timed out; the write may still be applied after that.
    History history = new HistoryBuilder()
        .add(2, OpType.WRITE, "x", "c", 0, 1, Outcome.UNKNOWN)
        .write(2, "x", "a", 2, 3)
        .build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", "c"))).isEmpty();
  }

  @Test
  void theValueOfAFailedWriteIsReported() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .failedWrite(1, "x", "b", 2, 3)
        .build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", "b")))
        .singleElement().asString().contains("#2 p1 WRITE x = 'b' 0.000..0.000ms FAIL wrote it but failed");
  }

  @Test
  void anAcknowledgedDeleteLeavesTheKeyAbsent() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .delete(1, "x", 2, 3)
        .build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", null))).isEmpty();
    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", "a"))).hasSize(1);
  }

  @Test
  void anAbsentKeyAfterAnAcknowledgedWriteIsReported() {
    History history = new HistoryBuilder().write(1, "x", "a", 0, 1).build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", null)))
        .singleElement().asString().contains("final value absent").contains("no delete of it could have been the last");
  }

  @Test
  void aKeyWithoutAcknowledgedWritesMayStayAbsent() {
    History history = new HistoryBuilder()
        .unknownWrite(1, "x", "c", 0)
        .failedWrite(2, "x", "d", 1, 2)
        .build();

    assertThat(AcknowledgedWritesCheck.check(history, finalValue("x", null))).isEmpty();
  }

  @Test
  void aKeyWithoutAFinalReadIsReported() {
    assertThat(AcknowledgedWritesCheck.check(TWO_SEQUENTIAL_WRITES, Map.of()))
        .singleElement().asString().isEqualTo("key x: no final read was recorded");
  }

  @Test
  void aValueInAKeyNobodyWroteIsReported() {
    Map<String, String> finals = finalValue("x", "b");
    finals.put("untouched", null);
    finals.put("surprise", "q");

    assertThat(AcknowledgedWritesCheck.check(TWO_SEQUENTIAL_WRITES, finals))
        .singleElement().asString().startsWith("key surprise: final value 'q'").contains("no client wrote it");
  }
}
