package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker agrees with brute force on thousands of tiny random histories, linearizable or not.
 * Values come from a small alphabet so that some are written once and some several times, which
 * exercises both the pruning that needs unique values and the search without it.
 */
class LinearizabilityCrossCheckTest {

  private static final String[] WRITTEN = {"a", "b", "c"};
  private static final String[] READ = {"a", "b", "c", null};

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  @Test
  void agreesWithBruteForce() {
    Random random = new Random(20240601);
    int linearizable = 0;
    int cases = 3_000;
    for (int i = 0; i < cases; i++) {
      // Every other case has many unknown outcomes, which is where the search has most options.
      List<Operation> ops = tinyHistory(random, i % 2 == 0 ? 2 : 5);
      String initial = random.nextInt(4) == 0 ? "a" : null;

      boolean expected = BruteForceLinearizability.isLinearizable(ops, initial);
      CheckResult result = checker.checkKey("x", ops, initial);

      assertThat(result.isLinearizable())
          .as("case %d, initial %s: %s%n%s", i, Operation.quote(initial), result, History.of(ops).dump())
          .isEqualTo(expected);
      linearizable += expected ? 1 : 0;
    }
    // Both answers must be common, or the comparison proves little.
    assertThat(linearizable).isBetween(cases / 5, cases * 4 / 5);
  }

  /** Up to 7 operations on key x; {@code unknownInTen} of ten end UNKNOWN, one in ten FAIL. */
  private static List<Operation> tinyHistory(Random random, int unknownInTen) {
    int size = 3 + random.nextInt(5);
    List<Operation> ops = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      int dice = random.nextInt(20);
      OpType type = dice < 9 ? OpType.READ : dice < 17 ? OpType.WRITE : OpType.DELETE;
      String value = switch (type) {
        case READ -> READ[random.nextInt(READ.length)];
        case WRITE -> WRITTEN[random.nextInt(WRITTEN.length)];
        case DELETE -> null;
      };
      int outcomeDice = random.nextInt(10);
      Outcome outcome = outcomeDice < 9 - unknownInTen ? Outcome.OK : outcomeDice < 9 ? Outcome.UNKNOWN : Outcome.FAIL;
      long invoke = random.nextInt(16);
      long complete = outcome == Outcome.UNKNOWN ? Operation.NOT_COMPLETED : invoke + random.nextInt(8);
      ops.add(new Operation(id, random.nextInt(3), type, "x", outcome == Outcome.OK || type != OpType.READ ? value : null,
          invoke, complete, outcome));
    }
    return ops;
  }
}
