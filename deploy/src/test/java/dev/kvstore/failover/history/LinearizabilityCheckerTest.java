package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.failover.history.CheckResult.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checking several keys, checking one key, and the search budget. */
class LinearizabilityCheckerTest {

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  /** Three sequential operations: linearizing them takes three search states. */
  private static History needsThreeStates() {
    return new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(1, "x", "b", 2, 3)
        .read(1, "x", "b", 4, 5)
        .build();
  }

  private static void assertVerdict(CheckResult result, Verdict expected) {
    assertThat(result.verdict()).as("%s", result).isEqualTo(expected);
  }

  @Test
  void keysAreIndependentRegisters() {
    // As one register this would be wrong: the read of x returns 'a' after y was set to 'b'.
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(2, "y", "b", 2, 3)
        .read(1, "x", "a", 4, 5)
        .read(2, "y", "b", 6, 7)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void reportsTheKeyThatIsWrong() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(2, "y", "b", 2, 3)
        .write(2, "y", "c", 4, 5)
        .read(1, "x", "a", 6, 7)
        .read(2, "y", "b", 8, 9)
        .write(1, "z", "d", 10, 11)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.key()).isEqualTo("y");
    assertThat(result.explanation()).contains("#5 p2 READ y -> 'b'").doesNotContain("READ x");
  }

  @Test
  void checkKeyRejectsOperationsOfAnotherKey() {
    List<Operation> ops = new HistoryBuilder().write(1, "x", "a", 0, 1).write(1, "y", "a", 2, 3)
        .build().operations();

    assertThatThrownBy(() -> checker.checkKey("x", ops, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBudgetJustLargeEnoughSuffices() {
    CheckResult result = new LinearizabilityChecker(new SearchBudget(3, Duration.ofMinutes(1)))
        .check(needsThreeStates());

    assertVerdict(result, Verdict.LINEARIZABLE);
  }

  @Test
  void runningOutOfStatesIsInconclusive() {
    CheckResult result = new LinearizabilityChecker(new SearchBudget(2, Duration.ofMinutes(1)))
        .check(needsThreeStates());

    assertVerdict(result, Verdict.INCONCLUSIVE);
    assertThat(result.key()).isEqualTo("x");
  }

  @Test
  void runningOutOfTimeIsInconclusive() {
    CheckResult result = new LinearizabilityChecker(new SearchBudget(1_000, Duration.ZERO))
        .check(needsThreeStates());

    assertVerdict(result, Verdict.INCONCLUSIVE);
  }

  @Test
  void aViolationFoundWithinBudgetIsStillReported() {
    History wrong = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .read(1, "x", "z", 2, 3)
        .build();

    assertVerdict(new LinearizabilityChecker(new SearchBudget(10, Duration.ofMinutes(1))).check(wrong),
        Verdict.NOT_LINEARIZABLE);
  }
}
