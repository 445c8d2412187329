package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.failover.history.CheckResult.Verdict;
import org.junit.jupiter.api.Test;

/** Histories without a linearization, and what the report says about them. */
class NonLinearizableHistoriesTest {

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private static void assertVerdict(CheckResult result, Verdict expected) {
    assertThat(result.verdict()).as("%s", result).isEqualTo(expected);
  }

  @Test
  void staleReadAfterACompletedWrite() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(1, "x", "b", 2, 3)
        .read(2, "x", "a", 4, 5)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.key()).isEqualTo("x");
    assertThat(result.explanation()).contains(
        "#1 p1 WRITE x = 'a' 0.000..0.000ms OK  <- must follow #2 p1 WRITE x = 'b', which completed before"
            + " #3 p2 READ x -> 'a' began");
  }

  @Test
  void staleReadOfAValueWrittenTwiceIsReportedWithTheLongestPrefix() {
    // The second writer of 'a' starts too late to help, but makes the search do all the work.
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(1, "x", "b", 2, 3)
        .read(2, "x", "a", 4, 5)
        .unknownWrite(3, "x", "a", 10)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("Longest linearizable prefix found: 2 operations, after which the register holds 'b'")
        .contains("#3 p2 READ x -> 'a' 0.000..0.000ms OK  <- reads 'a' but the register holds 'b'")
        .contains("Nothing invoked after #3 returned can be placed before it.");
  }

  @Test
  void readOfAValueNeverWritten() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .read(2, "x", "z", 2, 3)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("reads 'z' but the register holds 'a'");
  }

  @Test
  void readsInRealTimeOrderSeeNewThenOld() {
    History history = new HistoryBuilder()
        .write(1, "x", "old", 0, 1)
        .write(1, "x", "new", 2, 20)
        .read(2, "x", "new", 3, 5)
        .read(3, "x", "old", 6, 8)
        .build();

    assertVerdict(checker.check(history), Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void readObservingAFailedWrite() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .failedWrite(1, "x", "b", 2, 3)
        .read(2, "x", "b", 4, 5)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("ignored 1 FAIL operations");
  }

  @Test
  void readOfADeletedValue() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .delete(1, "x", 2, 3)
        .read(2, "x", "a", 4, 5)
        .build();

    CheckResult result = checker.check(history);

    assertVerdict(result, Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("must follow #2 p1 DELETE x");
  }

  @Test
  void unknownWriteObservedBeforeItWasInvoked() {
    History history = new HistoryBuilder()
        .read(1, "x", "b", 0, 1)
        .unknownWrite(2, "x", "b", 2)
        .build();

    assertVerdict(checker.check(history), Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void unknownDeleteCannotBringBackAnOverwrittenValue() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownDelete(1, "x", 2)
        .read(2, "x", null, 3, 4)
        .read(2, "x", "a", 5, 6)
        .build();

    assertVerdict(checker.check(history), Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void unknownWriteThatWasOverwrittenCannotBeSeenAgain() {
    // Two readers of "b" around an acknowledged write of "c": "b" took effect once, and "c" after it.
    History history = new HistoryBuilder()
        .unknownWrite(1, "x", "b", 0)
        .read(2, "x", "b", 1, 2)
        .write(2, "x", "c", 3, 4)
        .read(3, "x", "b", 5, 6)
        .build();

    assertVerdict(checker.check(history), Verdict.NOT_LINEARIZABLE);
  }
}
