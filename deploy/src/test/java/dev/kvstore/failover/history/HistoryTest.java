package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Ordering, grouping and dumping of histories, and well-formed operations. */
class HistoryTest {

  private static final long MS = 1_000_000;

  private final History history = History.of(List.of(
      new Operation(2, 2, OpType.READ, "y", null, 7 * MS, 8 * MS, Outcome.OK),
      new Operation(1, 1, OpType.WRITE, "x", "a", 5 * MS, 6_250_000, Outcome.OK, 17),
      new Operation(3, 1, OpType.DELETE, "x", null, 9 * MS, Operation.NOT_COMPLETED, Outcome.UNKNOWN),
      new Operation(4, 3, OpType.READ, "x", null, 9 * MS, 10 * MS, Outcome.FAIL)));

  @Test
  void ordersOperationsByInvocation() {
    assertThat(history.operations()).extracting(Operation::id).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void groupsOperationsByKeyInKeyOrder() {
    assertThat(history.byKey()).containsOnlyKeys("x", "y");
    assertThat(history.byKey().keySet()).containsExactly("x", "y");
    assertThat(history.byKey().get("x")).extracting(Operation::id).containsExactly(1L, 3L, 4L);
    assertThat(history.forKey("y").operations()).extracting(Operation::id).containsExactly(2L);
  }

  @Test
  void dumpsOneLinePerOperationWithTimesSinceTheFirstInvocation() {
    assertThat(history.dump()).isEqualTo("""
        4 operations on 2 keys; times in ms since the first invocation (nanoTime 5000000)
        #1 p1 WRITE x = 'a' 0.000..1.250ms OK r17
        #2 p2 READ y -> absent 2.000..3.000ms OK
        #3 p1 DELETE x 4.000..?ms UNKNOWN
        #4 p3 READ x 4.000..5.000ms FAIL
        """);
  }

  @Test
  void anEmptyHistoryHasNothingToDump() {
    assertThat(History.empty().byKey()).isEmpty();
    assertThat(History.empty().dump()).startsWith("0 operations on 0 keys");
  }

  @Test
  void isImmutable() {
    assertThatThrownBy(() -> history.operations().remove(0)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> history.byKey().get("x").remove(0)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void operationsMustBeWellFormed() {
    assertThatThrownBy(() -> new Operation(1, 1, OpType.WRITE, "x", null, 0, 1, Outcome.OK))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Operation(1, 1, OpType.DELETE, "x", "a", 0, 1, Outcome.OK))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Operation(1, 1, OpType.READ, "x", null, 5, 4, Outcome.OK))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
