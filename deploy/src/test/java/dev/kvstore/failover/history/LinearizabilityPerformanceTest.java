package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kvstore.failover.history.CheckResult.Verdict;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Histories the size of a failover run must be decided in seconds, both ways. */
class LinearizabilityPerformanceTest {

  private static final Duration LIMIT = Duration.ofSeconds(10);

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  /** 5 clients, 20 keys, about 2,000 operations per key. */
  private static History failoverSizedHistory() {
    Random random = new Random(42);
    return RegisterSimulation.of(5, 20, 8_000).run(random);
  }

  /** 2,000 operations on one key, with all 5 clients overlapping most of the time. */
  private static History hotKeyHistory() {
    Random random = new Random(7);
    return new RegisterSimulation(5, 1, 400, 100, 10, 0.05, 0.03, 0).run(random);
  }

  /**
   * 2,000 operations on one key in a bad fault window: long latencies and one in seven operations
   * timing out, with timed-out writes applied up to ten thousand time units later.
   */
  private static History faultHeavyHistory() {
    Random random = new Random(11);
    return new RegisterSimulation(5, 1, 400, 500, 10, 0.15, 0.05, 0).run(random);
  }

  @Test
  void manyKeysAreCheckedQuickly() {
    History history = failoverSizedHistory();

    CheckResult result = assertTimeoutPreemptively(LIMIT, () -> checker.check(history));

    assertThat(history.size()).isEqualTo(40_000);
    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aHotKeyIsCheckedQuickly() {
    History history = hotKeyHistory();

    CheckResult result = assertTimeoutPreemptively(LIMIT, () -> checker.check(history));

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aViolationInAHotKeyIsFoundQuickly() {
    ImpossibleRead.Mutation mutation = ImpossibleRead.apply(hotKeyHistory(), new Random(3));

    CheckResult result = assertTimeoutPreemptively(LIMIT, () -> checker.check(mutation.history()));

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("#" + mutation.changed().id());
  }

  @Test
  void aFaultHeavyKeyIsCheckedQuickly() {
    History history = faultHeavyHistory();

    CheckResult result = assertTimeoutPreemptively(LIMIT, () -> checker.check(history));

    assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void violationsInAFaultHeavyKeyAreFoundQuickly() {
    History history = faultHeavyHistory();
    for (int seed = 0; seed < 5; seed++) {
      ImpossibleRead.Mutation mutation = ImpossibleRead.apply(history, new Random(seed));

      CheckResult result = assertTimeoutPreemptively(LIMIT, () -> checker.check(mutation.history()));

      assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
  }
}
