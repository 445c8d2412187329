package dev.kvstore.failover.store;

import static dev.kvstore.failover.store.StoreRunBuilder.delete;
import static dev.kvstore.failover.store.StoreRunBuilder.put;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deliveries of watchers checked against the store's history, one guarantee at a time. */
class WatchGuaranteeCheckTest {

  private static final String A = "run/a";
  private static final String B = "run/b";

  private static final RevisionChanges R10 = new RevisionChanges(10, List.of(put(A, "1", 10, 1, 10)));
  /** A transaction: two changes at one revision. */
  private static final RevisionChanges R11 = new RevisionChanges(11, List.of(put(A, "2", 10, 2, 11),
      put(B, "1", 11, 1, 11)));
  private static final RevisionChanges R12 = new RevisionChanges(12, List.of(delete(A, 12)));
  private static final List<RevisionChanges> HISTORY = List.of(R10, R11, R12);

  private static Violations<WatchGuarantee> check(List<RevisionChanges> received) {
    return WatchGuaranteeCheck.check(HISTORY, "", 10, 12, Set.of(10L, 11L), Map.of(11L, R11.comparable()),
        Map.of("w", received));
  }

  private static void assertBreaks(List<RevisionChanges> received, WatchGuarantee guarantee) {
    Violations<WatchGuarantee> violations = check(received);
    assertThat(violations.count(guarantee)).as("%s", violations.lines()).isPositive();
  }

  @Test
  void everyRevisionOnceInOrderAndWhole() {
    assertThat(check(HISTORY).lines()).isEmpty();
  }

  @Test
  void aWatcherOfAPrefixSeesOnlyItsKeysOfEachRevision() {
    List<RevisionChanges> onlyB = List.of(new RevisionChanges(11, List.of(put(B, "1", 11, 1, 11))));
    assertThat(WatchGuaranteeCheck.check(HISTORY, B, 10, 12, Set.of(11L), Map.of(11L, R11.comparable()),
        Map.of("w", onlyB)).lines()).isEmpty();
  }

  @Test
  void revisionsOutOfOrder() {
    assertBreaks(List.of(R10, R12, R11), WatchGuarantee.ORDERED);
  }

  @Test
  void aRevisionRepeatedAfterAResume() {
    assertBreaks(List.of(R10, R11, R11, R12), WatchGuarantee.UNIQUE);
  }

  @Test
  void aTransactionSplitOverTwoDeliveries() {
    List<RevisionChanges> split = List.of(R10, new RevisionChanges(11, List.of(R11.events().get(0))),
        new RevisionChanges(11, List.of(R11.events().get(1))), R12);
    assertBreaks(split, WatchGuarantee.ATOMIC_PER_REVISION);
  }

  @Test
  void aTransactionsChangesInAnotherOrderThanItsOps() {
    RevisionChanges reversed = new RevisionChanges(11, List.of(R11.events().get(1), R11.events().get(0)));
    Violations<WatchGuarantee> violations = check(List.of(R10, reversed, R12));
    assertThat(violations.count(WatchGuarantee.IN_OP_ORDER)).as("%s", violations.lines()).isPositive();
    assertThat(violations.count(WatchGuarantee.ATOMIC_PER_REVISION)).as("%s", violations.lines()).isZero();
  }

  @Test
  void aChangeTheStoreDidNotMake() {
    assertBreaks(List.of(R10, R11, new RevisionChanges(12, List.of(put(A, "3", 10, 3, 12)))),
        WatchGuarantee.ATOMIC_PER_REVISION);
  }

  @Test
  void aRevisionSkippedWhenResuming() {
    assertBreaks(List.of(R10, R12), WatchGuarantee.RESUMABLE);
  }

  @Test
  void aWatcherThatStoppedBeforeTheEnd() {
    assertBreaks(List.of(R10, R11), WatchGuarantee.COMPLETE);
  }

  @Test
  void aWatcherThatNeverReceivedAnAcknowledgedWrite() {
    Violations<WatchGuarantee> violations = check(List.of(R11, R12));
    assertThat(violations.of(WatchGuarantee.COMPLETE)).as("%s", violations.lines())
        .anyMatch(line -> line.contains("acknowledged write at r10"));
  }
}
