package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.failover.history.CheckResult.Verdict;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Histories that have a linearization, each for a different reason. */
class LinearizableHistoriesTest {

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private static void assertVerdict(CheckResult result, Verdict expected) {
    assertThat(result.verdict()).as("%s", result).isEqualTo(expected);
  }

  @Test
  void emptyHistory() {
    assertVerdict(checker.check(History.empty()), Verdict.LINEARIZABLE);
  }

  @Test
  void sequentialWritesReadsAndDeletes() {
    History history = new HistoryBuilder()
        .read(1, "x", null, 0, 1)
        .write(1, "x", "a", 2, 3)
        .read(2, "x", "a", 4, 5)
        .write(2, "x", "b", 6, 7)
        .read(1, "x", "b", 8, 9)
        .delete(1, "x", 10, 11)
        .read(2, "x", null, 12, 13)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"old", "new"})
  void readOverlappingAWriteMayReturnTheOldOrTheNewValue(String observed) {
    History history = new HistoryBuilder()
        .write(1, "x", "old", 0, 1)
        .write(1, "x", "new", 2, 10)
        .read(2, "x", observed, 3, 5)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void concurrentWritesMayTakeEffectInEitherOrder() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 10)
        .write(2, "x", "b", 1, 9)
        .read(3, "x", "a", 11, 12)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void unknownWriteLaterObserved() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownWrite(1, "x", "b", 2)
        .read(2, "x", "a", 3, 4)
        .read(2, "x", "b", 20, 21)
        .read(3, "x", "b", 22, 23)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void unknownWriteNeverObserved() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownWrite(1, "x", "b", 2)
        .read(2, "x", "a", 20, 21)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void unknownDeleteThatNeverTookEffect() {
    // A read of "absent" keeps the delete in play, so the search itself must be able to skip it.
    History history = new HistoryBuilder()
        .read(1, "x", null, 0, 1)
        .write(1, "x", "a", 2, 3)
        .unknownDelete(1, "x", 4)
        .read(2, "x", "a", 5, 6)
        .read(2, "x", "a", 7, 8)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void unknownDeleteThatTookEffect() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownDelete(1, "x", 2)
        .read(2, "x", null, 5, 6)
        .write(2, "x", "b", 7, 8)
        .read(2, "x", "b", 9, 10)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void unknownWritesOfTheSameValueMayTakeEffectLate() {
    // Two writers of "b" make the value ambiguous, so neither write gets a deadline: each is optional.
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownWrite(1, "x", "b", 2)
        .unknownWrite(2, "x", "b", 3)
        .read(3, "x", "b", 10, 11)
        .write(3, "x", "c", 12, 13)
        .read(3, "x", "c", 14, 15)
        .read(4, "x", "b", 16, 17)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void anyPendingUnknownWriteMayTakeEffectFirst() {
    // Both values have several writers, so both unknown writes are optional. 'c' must wait until
    // after 'b' has been read, although it was invoked first.
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .unknownWrite(1, "x", "c", 2)
        .unknownWrite(2, "x", "b", 3)
        .unknownWrite(3, "x", "b", 4)
        .read(4, "x", "b", 10, 11)
        .read(4, "x", "c", 12, 13)
        .write(4, "x", "c", 50, 51)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void failedOperationsAndUnknownReadsAreIgnored() {
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .failedWrite(1, "x", "b", 2, 3)
        .unknownRead(2, "x", 4)
        .add(2, OpType.READ, "x", null, 5, 6, Outcome.FAIL)
        .read(3, "x", "a", 7, 8)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void operationsThatTouchInTimeCountAsConcurrent() {
    // nanoTime cannot order two events in the same tick, so a tie must not be read as "before".
    History history = new HistoryBuilder()
        .write(1, "x", "a", 0, 1)
        .write(1, "x", "b", 2, 5)
        .read(2, "x", "a", 5, 6)
        .build();

    assertVerdict(checker.check(history), Verdict.LINEARIZABLE);
  }

  @Test
  void initialValueIsWhatTheFirstReadSees() {
    History history = new HistoryBuilder().read(1, "x", "seeded", 0, 1).build();

    assertVerdict(checker.check(history, Map.of("x", "seeded")), Verdict.LINEARIZABLE);
    assertVerdict(checker.check(history), Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void checkKeyChecksOneKeysOperations() {
    History history = new HistoryBuilder()
        .read(1, "x", "seeded", 0, 1)
        .write(1, "x", "a", 2, 3)
        .read(1, "x", "a", 4, 5)
        .build();

    assertVerdict(checker.checkKey("x", history.operations(), "seeded"), Verdict.LINEARIZABLE);
    assertVerdict(checker.checkKey("x", history.operations(), null), Verdict.NOT_LINEARIZABLE);
  }
}
