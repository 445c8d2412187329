package dev.kvstore.failover.store;

import static dev.kvstore.failover.store.StoreRunBuilder.answer;
import static dev.kvstore.failover.store.StoreRunBuilder.delete;
import static dev.kvstore.failover.store.StoreRunBuilder.deleteAnswer;
import static dev.kvstore.failover.store.StoreRunBuilder.kv;
import static dev.kvstore.failover.store.StoreRunBuilder.put;
import static dev.kvstore.failover.store.StoreRunBuilder.putAnswer;
import static dev.kvstore.failover.store.StoreRunBuilder.rangeResponse;
import static dev.kvstore.failover.store.StoreRunBuilder.readAnswer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.client.Cmp;
import dev.kvstore.client.Op;
import dev.kvstore.client.Txn;
import org.junit.jupiter.api.Test;

/** Runs the whole-store model accepts, each for a different reason. */
class ConsistentStoreHistoriesTest {

  private static final String A = "run/acct/a";
  private static final String B = "run/acct/b";

  static void assertConsistent(StoreRunBuilder run, long startRevision) {
    StoreHistoryCheck.Result result = run.check(startRevision);
    assertThat(result.violations().lines()).isEmpty();
  }

  /** Moves {@code units} from {@code from} (last written at fromMod) to {@code to} (at toMod), as the workload does. */
  static TxnRequest transfer(String from, long fromMod, String fromValue, String to, long toMod, String toValue) {
    return Txn.when(Cmp.modRevision(from).equal(fromMod), Cmp.modRevision(to).equal(toMod))
        .then(Op.put(from, fromValue), Op.put(to, toValue))
        .orElse(Op.get(from), Op.get(to)).request();
  }

  @Test
  void emptyRun() {
    assertConsistent(new StoreRunBuilder(), 10);
  }

  @Test
  void putsReadsAndDeletesInSequence() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(A, "2", 10, 2, 11))
        .revision(12, delete(A, 12))
        .ok(1, TxnForm.get(A), 0, 1, readAnswer(9))
        .ok(1, TxnForm.put(A, "1"), 2, 3, putAnswer(10, 1))
        .ok(2, TxnForm.put(A, "2"), 4, 5, putAnswer(11, 1))
        .ok(1, TxnForm.get(A), 6, 7, readAnswer(11, kv(A, "2", 10, 11, 2)))
        .ok(1, TxnForm.delete(A), 8, 9, deleteAnswer(12, 1))
        // a delete of an absent key changes nothing and answers at the current revision
        .ok(2, TxnForm.delete(A), 10, 11, deleteAnswer(12, 0));
    assertConsistent(run, 10);
  }

  @Test
  void aMultiKeyCompareAndSwapWhoseComparesHeldAppliesBothPutsAtOneRevision() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "100", 10, 1, 10), put(B, "100", 10, 1, 10))
        .revision(11, put(A, "90", 10, 2, 11), put(B, "110", 10, 2, 11))
        .ok(1, Txn.when().then(Op.put(A, "100"), Op.put(B, "100")).request(), 0, 1, putAnswer(10, 2))
        .ok(1, transfer(A, 10, "90", B, 10, "110"), 2, 3, putAnswer(11, 2));
    assertConsistent(run, 10);
  }

  @Test
  void aCompareAndSwapThatLostItsRaceRanTheElseBranchAtTheRevisionItRead() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "100", 10, 1, 10), put(B, "100", 10, 1, 10))
        .revision(11, put(A, "90", 10, 2, 11), put(B, "110", 10, 2, 11))
        .ok(1, Txn.when().then(Op.put(A, "100"), Op.put(B, "100")).request(), 0, 1, putAnswer(10, 2))
        // both read r10 and race; the second finds mod_revision 11 and reads instead
        .ok(1, transfer(A, 10, "90", B, 10, "110"), 2, 5, putAnswer(11, 2))
        .ok(2, transfer(A, 10, "80", B, 10, "120"), 3, 6, answer(11, false,
            rangeResponse(kv(A, "90", 10, 11, 2)), rangeResponse(kv(B, "110", 10, 11, 2))));
    assertConsistent(run, 10);
  }

  @Test
  void aRetriedTransactionGetsItsOutcomeWithoutTheEntriesRead() {
    // docs/api.md: a retry of an applied request gets counts and outcome, not the entries read
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "100", 10, 1, 10), put(B, "100", 10, 1, 10))
        .ok(1, Txn.when().then(Op.put(A, "100"), Op.put(B, "100")).request(), 0, 1, putAnswer(10, 2))
        .ok(2, transfer(A, 9, "80", B, 9, "120"), 3, 6, answer(10, false,
            dev.kvstore.api.ResponseOp.newBuilder().setResponseRange(dev.kvstore.api.RangeResponse.newBuilder()
                .setCount(1)).build(),
            dev.kvstore.api.ResponseOp.newBuilder().setResponseRange(dev.kvstore.api.RangeResponse.newBuilder()
                .setCount(1)).build()));
    assertConsistent(run, 10);
  }

  @Test
  void concurrentWritesMayTakeEffectInEitherOrder() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "late-sent", 10, 1, 10))
        .revision(11, put(A, "early-sent", 10, 2, 11))
        .ok(1, TxnForm.put(A, "early-sent"), 0, 10, putAnswer(11, 1))
        .ok(2, TxnForm.put(A, "late-sent"), 1, 9, putAnswer(10, 1));
    assertConsistent(run, 10);
  }

  @Test
  void aWriteWithAnUnknownOutcomeMayBeAppliedLaterOrNever() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(B, "applied-late", 11, 1, 11))
        .unknown(1, TxnForm.put(B, "applied-late"), 0)
        .unknown(2, TxnForm.put(B, "never-applied"), 1)
        .ok(3, TxnForm.put(A, "1"), 2, 3, putAnswer(10, 1))
        .ok(3, TxnForm.get(B), 20, 21, readAnswer(11, kv(B, "applied-late", 11, 11, 1)));
    assertConsistent(run, 10);
  }

  @Test
  void aRangeAtAPastRevisionSeesThatRevision() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(A, "2", 10, 2, 11))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(1, TxnForm.put(A, "2"), 2, 3, putAnswer(11, 1))
        .okAt(1, TxnForm.range(RangeRequest.newBuilder().setKey("run/acct/").setPrefix(true).build()), 10, 4, 5,
            readAnswer(10, kv(A, "1", 10, 10, 1)));
    assertConsistent(run, 10);
  }

  @Test
  void otherKeysTakeRevisionsTooWithoutBreakingTheSequence() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put("earlier-run/x", "?", 3, 7, 11))
        .revision(12, put(A, "2", 10, 2, 12))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(1, TxnForm.put(A, "2"), 2, 3, putAnswer(12, 1));
    assertConsistent(run, 10);
  }

  @Test
  void aDeleteRangeRemovesEveryKeyOfItsPrefixAtOneRevision() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(A, "1", 10, 1, 10))
        .revision(11, put(B, "2", 11, 1, 11))
        .revision(12, delete(A, 12), delete(B, 12))
        .ok(1, TxnForm.put(A, "1"), 0, 1, putAnswer(10, 1))
        .ok(2, TxnForm.put(B, "2"), 2, 3, putAnswer(11, 1))
        .ok(1, TxnForm.deleteRange(DeleteRangeRequest.newBuilder().setKey("run/acct/").setPrefix(true).build()),
            4, 5, deleteAnswer(12, 2));
    assertConsistent(run, 10);
  }

  @Test
  void theKeysOfALeaseMayGoAllAtOnceWithoutACall() {
    KeyValue held = kv(A, "holder", 10, 10, 1).toBuilder().setLease(7).build();
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, dev.kvstore.api.WatchEvent.newBuilder().setType(dev.kvstore.api.EventType.PUT).setKv(held).build())
        .revision(11, delete(A, 11))
        .ok(1, TxnForm.put(A, "holder", 7), 0, 1, putAnswer(10, 1))
        .ok(2, TxnForm.get(A), 30, 31, readAnswer(11));
    assertConsistent(run, 10);
  }
}
