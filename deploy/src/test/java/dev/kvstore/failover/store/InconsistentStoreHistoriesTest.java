package dev.kvstore.failover.store;

import static dev.kvstore.failover.store.ConsistentStoreHistoriesTest.transfer;
import static dev.kvstore.failover.store.StoreRunBuilder.answer;
import static dev.kvstore.failover.store.StoreRunBuilder.delete;
import static dev.kvstore.failover.store.StoreRunBuilder.kv;
import static dev.kvstore.failover.store.StoreRunBuilder.put;
import static dev.kvstore.failover.store.StoreRunBuilder.putAnswer;
import static dev.kvstore.failover.store.StoreRunBuilder.rangeResponse;
import static dev.kvstore.failover.store.StoreRunBuilder.readAnswer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.client.Op;
import dev.kvstore.client.Txn;
import org.junit.jupiter.api.Test;

/** Runs the whole-store model rejects, each naming the guarantee broken. */
class InconsistentStoreHistoriesTest {

  private static final String A = "run/acct/a";
  private static final String B = "run/acct/b";

  private static void assertBreaks(StoreRunBuilder run, StoreGuarantee guarantee) {
    Violations<StoreGuarantee> violations = run.check(10).violations();
    assertThat(violations.count(guarantee)).as("%s", violations.lines()).isPositive();
  }

  /** Both accounts created at r10 by an acknowledged transaction. */
  private static StoreRunBuilder twoAccounts() {
    return new StoreRunBuilder()
        .revision(10, put(A, "100", 10, 1, 10), put(B, "100", 10, 1, 10))
        .ok(1, Txn.when().then(Op.put(A, "100"), Op.put(B, "100")).request(), 0, 1, putAnswer(10, 2));
  }

  @Test
  void aMissingRevisionBreaksTheHistory() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(12, put(A, "3", 10, 3, 12));
    assertBreaks(run, StoreGuarantee.GAP_FREE_HISTORY);
  }

  @Test
  void aRepeatedRevisionBreaksTheHistory() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(10, put(A, "1", 10, 1, 10))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1));
    assertBreaks(run, StoreGuarantee.GAP_FREE_HISTORY);
  }

  @Test
  void aVersionThatDoesNotFollowFromTheStateBefore() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(A, "2", 10, 1, 11))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(1, TxnForm.put(A, "2"), 2, 3, putAnswer(11, 1));
    assertBreaks(run, StoreGuarantee.CONSISTENT_VERSIONS);
  }

  @Test
  void twoCompareAndSwapsFromTheSameRevisionBothSucceeding() {
    // a lost update: the second transfer's compare (mod_revision 10) no longer held at r11
    StoreRunBuilder run = twoAccounts()
        .revision(11, put(A, "90", 10, 2, 11), put(B, "110", 10, 2, 11))
        .revision(12, put(A, "80", 10, 3, 12), put(B, "120", 10, 3, 12))
        .ok(1, transfer(A, 10, "90", B, 10, "110"), 2, 5, putAnswer(11, 2))
        .ok(2, transfer(A, 10, "80", B, 10, "120"), 3, 6, putAnswer(12, 2));
    assertBreaks(run, StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED);
  }

  @Test
  void aTransactionSplitOverTwoRevisions() {
    StoreRunBuilder run = twoAccounts()
        .revision(11, put(A, "90", 10, 2, 11))
        .revision(12, put(B, "110", 10, 2, 12))
        .ok(1, transfer(A, 10, "90", B, 10, "110"), 2, 5, putAnswer(11, 2));
    Violations<StoreGuarantee> violations = run.check(10).violations();
    assertThat(violations.count(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED)).as("%s", violations.lines())
        .isPositive();
    assertThat(violations.count(StoreGuarantee.NO_PHANTOM_WRITES)).as("%s", violations.lines()).isPositive();
  }

  @Test
  void aTransactionsChangesRecordedInAnotherOrderThanItsOps() {
    StoreRunBuilder run = twoAccounts()
        .revision(11, put(B, "110", 10, 2, 11), put(A, "90", 10, 2, 11))
        .ok(1, transfer(A, 10, "90", B, 10, "110"), 2, 5, putAnswer(11, 2));
    Violations<StoreGuarantee> violations = run.check(10).violations();
    assertThat(violations.count(StoreGuarantee.CHANGES_IN_OP_ORDER)).as("%s", violations.lines()).isPositive();
    assertThat(violations.count(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED)).as("%s", violations.lines()).isZero();
  }

  @Test
  void aRangeAnswerWithEntriesTheStoreDidNotHold() {
    StoreRunBuilder run = twoAccounts()
        .ok(2, transfer(A, 9, "80", B, 9, "120"), 3, 6, answer(10, false,
            rangeResponse(kv(A, "100", 10, 10, 1)), rangeResponse(kv(B, "999", 10, 10, 1))));
    assertBreaks(run, StoreGuarantee.READS_SEE_THEIR_REVISION);
  }

  @Test
  void anElseBranchAnsweredWhileTheComparesHeld() {
    StoreRunBuilder run = twoAccounts()
        .ok(2, transfer(A, 10, "80", B, 10, "120"), 3, 6, answer(10, false,
            rangeResponse(kv(A, "100", 10, 10, 1)), rangeResponse(kv(B, "100", 10, 10, 1))));
    assertBreaks(run, StoreGuarantee.READS_SEE_THEIR_REVISION);
  }

  @Test
  void anAcknowledgedWriteWhoseRevisionHoldsSomethingElse() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "other", 10, 1, 10))
        .ok(1, TxnForm.put(A, "mine"), 0, 1, putAnswer(10, 1))
        .unknown(2, TxnForm.put(A, "other"), 0);
    assertBreaks(run, StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED);
  }

  @Test
  void aReadOfAValueTheStoreDidNotHoldAtItsRevision() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(A, "2", 10, 2, 11))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(1, TxnForm.put(A, "2"), 2, 3, putAnswer(11, 1))
        .ok(2, TxnForm.get(A), 4, 5, readAnswer(11, kv(A, "1", 10, 10, 1)));
    assertBreaks(run, StoreGuarantee.READS_SEE_THEIR_REVISION);
  }

  @Test
  void aStaleReadAtAnOlderRevisionThanACompletedWrite() {
    // consistent with r10, but the write of r11 had completed before the read began
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(A, "2", 10, 2, 11))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(1, TxnForm.put(A, "2"), 2, 3, putAnswer(11, 1))
        .ok(2, TxnForm.get(A), 4, 5, readAnswer(10, kv(A, "1", 10, 10, 1)));
    assertBreaks(run, StoreGuarantee.REAL_TIME_ORDER);
  }

  @Test
  void aWriteOrderedBeforeAWriteThatCompletedBeforeItWasSent() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "second", 10, 1, 10))
        .revision(11, put(A, "first", 10, 2, 11))
        .ok(1, TxnForm.put(A, "first"), 0, 1, putAnswer(11, 1))
        .ok(2, TxnForm.put(A, "second"), 2, 3, putAnswer(10, 1));
    assertBreaks(run, StoreGuarantee.REAL_TIME_ORDER);
  }

  @Test
  void aWriteWithAnUnknownOutcomeAppliedBeforeWhatCompletedBeforeItWasSent() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "late", 10, 1, 10))
        .revision(11, put(B, "1", 11, 1, 11))
        .ok(1, TxnForm.put(B, "1"), 0, 1, putAnswer(11, 1))
        .unknown(2, TxnForm.put(A, "late"), 2);
    assertBreaks(run, StoreGuarantee.REAL_TIME_ORDER);
  }

  @Test
  void aFailedWriteThatWasApplied() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "refused", 10, 1, 10))
        .failed(1, TxnForm.put(A, "refused"), 0, 1);
    assertBreaks(run, StoreGuarantee.FAILED_NEVER_APPLIED);
  }

  @Test
  void aWriteWithAnUnknownOutcomeAppliedTwice() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "once", 10, 1, 10))
        .revision(11, put(A, "once", 10, 2, 11))
        .unknown(1, TxnForm.put(A, "once"), 0);
    assertBreaks(run, StoreGuarantee.AT_MOST_ONCE);
  }

  @Test
  void anAcknowledgedWriteAppliedAgain() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "once", 10, 1, 10))
        .revision(11, put(A, "once", 10, 2, 11))
        .ok(1, TxnForm.put(A, "once"), 0, 1, putAnswer(10, 1));
    assertBreaks(run, StoreGuarantee.AT_MOST_ONCE);
  }

  @Test
  void aChangeNobodyMade() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, delete(A, 11))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1));
    assertBreaks(run, StoreGuarantee.NO_PHANTOM_WRITES);
  }
}
