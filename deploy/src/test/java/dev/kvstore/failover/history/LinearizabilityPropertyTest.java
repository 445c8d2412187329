package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.failover.history.CheckResult.Verdict;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Random histories from a simulated register, checked as they are and with one read broken. */
class LinearizabilityPropertyTest {

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  static LongStream seeds() {
    return LongStream.range(0, 150);
  }

  /** Small and varied: few keys so that operations on a key overlap, and a search can backtrack. */
  private static RegisterSimulation simulation(Random random) {
    return RegisterSimulation.of(2 + random.nextInt(4), 1 + random.nextInt(3), 10 + random.nextInt(30));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void simulatedHistoriesAreLinearizable(long seed) {
    Random random = new Random(seed);
    History history = simulation(random).run(random);

    CheckResult result = checker.check(history);

    assertThat(result.verdict()).as("%s%n%s", result, history.dump()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void simulatedHistoriesWithRepeatedValuesAreLinearizable(long seed) {
    // Repeated values leave reads ambiguous and turn observed unknown writes into optional ones.
    Random random = new Random(seed);
    History history = simulation(random).withValueAlphabet(3).run(random);

    CheckResult result = checker.check(history);

    assertThat(result.verdict()).as("%s%n%s", result, history.dump()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aReadOfAnImpossibleValueIsCaught(long seed) {
    Random random = new Random(seed);
    History history = simulation(random).run(random);
    ImpossibleRead.Mutation mutation = ImpossibleRead.apply(history, random);

    CheckResult result = checker.check(mutation.history());

    assertThat(result.verdict()).as("%s%nchanged %s%n%s", result, mutation.changed(), mutation.history().dump())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.key()).isEqualTo(mutation.changed().key());
  }
}
