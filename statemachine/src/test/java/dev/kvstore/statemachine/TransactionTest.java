package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static dev.kvstore.statemachine.TxnCommands.compare;
import static dev.kvstore.statemachine.TxnCommands.deleteOp;
import static dev.kvstore.statemachine.TxnCommands.deletePrefix;
import static dev.kvstore.statemachine.TxnCommands.putOp;
import static dev.kvstore.statemachine.TxnCommands.rangeOp;
import static dev.kvstore.statemachine.TxnCommands.rangePrefix;
import static dev.kvstore.statemachine.TxnCommands.txn;
import static dev.kvstore.statemachine.TxnCommands.valueIs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.RangeOp;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnCompare.Result;
import dev.kvstore.statemachine.proto.TxnCompare.Target;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TransactionTest {

  private final MvccStore store = new MvccStore(100);
  private final AppliedRequests applied = new AppliedRequests();
  private final WatchHub hub = new WatchHub(store, 100);
  private final CommandApplier applier = new CommandApplier(store, applied, hub);

  @Test
  void compareAndSwapWritesEveryKeyOfTheBranchAtOneRevision() throws Exception {
    applier.apply(put("lock", "free"));
    applier.apply(put("other", "x"));
    Watch watch = hub.watch(WatchFilter.prefix(""), 0, () -> { });

    CommandResult won = applier.apply(txn(
        List.of(compare("lock", Target.MOD, Result.EQUAL, 1), valueIs("lock", Result.EQUAL, "free")),
        List.of(putOp("lock", "mine"), putOp("owner", "me"), deleteOp(DeleteOp.newBuilder().setKey("other").build())),
        List.of()));

    assertThat(won.getError()).isEmpty();
    assertThat(won.getSucceeded()).isTrue();
    assertThat(won.getRevision()).isEqualTo(3);
    assertThat(won.getResponses(0).getPut().getPrev().getValue().toStringUtf8()).isEqualTo("free");
    assertThat(won.getResponses(2).getDelete().getDeleted()).isEqualTo(1);
    assertThat(store.get("lock").orElseThrow().modRevision()).isEqualTo(3);
    assertThat(store.get("owner").orElseThrow().modRevision()).isEqualTo(3);
    assertThat(store.get("other")).isEmpty();
    List<Event> events = List.of(watch.poll(), watch.poll(), watch.poll());
    assertThat(events).extracting(Event::revision).containsOnly(3L);
    assertThat(watch.poll()).isNull();

    // The same compare no longer holds: the failure branch runs instead.
    CommandResult lost = applier.apply(txn(
        List.of(compare("lock", Target.MOD, Result.EQUAL, 1)),
        List.of(putOp("lock", "theirs")),
        List.of(rangeOp(RangeOp.newBuilder().setKey("lock").build()))));
    assertThat(lost.getSucceeded()).isFalse();
    assertThat(lost.getResponses(0).getRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("mine");
    assertThat(lost.getRevision()).as("nothing changed: no revision").isEqualTo(3);
    assertThat(store.revision()).isEqualTo(3);
  }

  @Test
  void anAbsentKeyHasZeroCountersAndNoValue() {
    assertThat(succeeds(compare("none", Target.VERSION, Result.EQUAL, 0))).isTrue();
    assertThat(succeeds(compare("none", Target.CREATE, Result.EQUAL, 0))).isTrue();
    assertThat(succeeds(compare("none", Target.MOD, Result.LESS, 1))).isTrue();
    assertThat(succeeds(compare("none", Target.LEASE, Result.EQUAL, 0))).isTrue();
    assertThat(succeeds(valueIs("none", Result.EQUAL, ""))).isFalse();
    assertThat(succeeds(valueIs("none", Result.NOT_EQUAL, "x"))).as("no value compares with nothing").isFalse();
  }

  @Test
  void everyComparisonOperatorAndTarget() {
    applier.apply(put("k", "b"));
    applier.apply(put("k", "b"));
    assertThat(succeeds(compare("k", Target.VERSION, Result.EQUAL, 2))).isTrue();
    assertThat(succeeds(compare("k", Target.VERSION, Result.GREATER, 1))).isTrue();
    assertThat(succeeds(compare("k", Target.VERSION, Result.LESS, 2))).isFalse();
    assertThat(succeeds(compare("k", Target.CREATE, Result.EQUAL, 1))).isTrue();
    assertThat(succeeds(compare("k", Target.MOD, Result.NOT_EQUAL, 2))).isFalse();
    assertThat(succeeds(valueIs("k", Result.GREATER, "a"))).isTrue();
    assertThat(succeeds(valueIs("k", Result.LESS, "ba"))).isTrue();
    assertThat(succeeds(valueIs("k", Result.NOT_EQUAL, "b"))).isFalse();
  }

  @Test
  void aCompareOverARangeHoldsOnlyForEveryKeyInIt() {
    applier.apply(put("p/a", "1"));
    applier.apply(put("p/b", "1"));
    applier.apply(put("p/b", "2"));
    TxnCompare allVersionOne = compare("p/", Target.VERSION, Result.EQUAL, 1).toBuilder().setPrefix(true).build();
    TxnCompare allCreatedBefore3 = compare("p/", Target.CREATE, Result.LESS, 3).toBuilder().setPrefix(true).build();
    TxnCompare emptyRange = compare("q/", Target.VERSION, Result.EQUAL, 0).toBuilder().setPrefix(true).build();
    assertThat(succeeds(allVersionOne)).isFalse();
    assertThat(succeeds(allCreatedBefore3)).isTrue();
    assertThat(succeeds(emptyRange)).as("an empty range compares as an absent key").isTrue();
  }

  @Test
  void aRangeInsideATransactionSeesItsEarlierWrites() {
    applier.apply(put("p/a", "old"));
    applier.apply(put("p/b", "old"));

    CommandResult r = applier.apply(txn(List.of(), List.of(
        putOp("p/c", "new"),
        deleteOp(DeleteOp.newBuilder().setKey("p/a").build()),
        rangeOp(rangePrefix("p/")),
        rangeOp(rangePrefix("p/").toBuilder().setLimit(1).setKeysOnly(true).build()),
        rangeOp(rangePrefix("p/").toBuilder().setCountOnly(true).build())), List.of()));

    assertThat(r.getResponses(2).getRange().getKvsList()).extracting(StoredKeyValue::getKey)
        .containsExactly("p/b", "p/c");
    assertThat(r.getResponses(2).getRange().getKvs(1).getModRevision()).isEqualTo(3);
    assertThat(r.getResponses(3).getRange().getKvsList()).extracting(StoredKeyValue::getKey).containsExactly("p/b");
    assertThat(r.getResponses(3).getRange().getKvs(0).getValue()).isEmpty();
    assertThat(r.getResponses(3).getRange().getMore()).isTrue();
    assertThat(r.getResponses(4).getRange().getKvsList()).isEmpty();
    assertThat(r.getResponses(4).getRange().getCount()).isEqualTo(2);
    assertThat(r.getResponses(4).getRange().getMore()).isFalse();
  }

  @Test
  void aRangeInsideATransactionIsSortedAsAsked() {
    applier.apply(put("p/a", "1"));
    applier.apply(put("p/b", "1"));

    CommandResult r = applier.apply(txn(List.of(), List.of(
        putOp("p/a", "2"),
        rangeOp(rangePrefix("p/").toBuilder().setDescending(true).build()),
        rangeOp(rangePrefix("p/").toBuilder().setSortTarget(RangeOp.SortTarget.MOD).setLimit(1).build())),
        List.of()));

    assertThat(r.getResponses(1).getRange().getKvsList()).extracting(StoredKeyValue::getKey)
        .containsExactly("p/b", "p/a");
    assertThat(r.getResponses(2).getRange().getKvsList()).extracting(StoredKeyValue::getKey).containsExactly("p/b");
    assertThat(r.getResponses(2).getRange().getMore()).isTrue();
  }

  @Test
  void overlappingDeletesDeleteEachKeyOnce() {
    applier.apply(put("p/a", "1"));
    applier.apply(put("p/b", "1"));

    CommandResult r = applier.apply(txn(List.of(), List.of(
        deleteOp(deletePrefix("p/")),
        deleteOp(DeleteOp.newBuilder().setKey("p/a").setRangeEnd("p/z").build())), List.of()));

    assertThat(r.getError()).isEmpty();
    assertThat(r.getResponses(0).getDelete().getDeleted()).isEqualTo(2);
    assertThat(r.getResponses(1).getDelete().getDeleted()).isZero();
    assertThat(r.getRevision()).isEqualTo(3);
    assertThat(store.size()).isZero();
  }

  @Test
  void aKeyWrittenTwiceInOneBranchIsRefusedNamingIt() {
    CommandResult twoPuts = applier.apply(txn(List.of(), List.of(putOp("k", "1"), putOp("k", "2")), List.of()));
    CommandResult putInDelete = applier.apply(txn(List.of(), List.of(),
        List.of(deleteOp(deletePrefix("p/")), putOp("p/x", "1"))));

    assertThat(twoPuts.getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(twoPuts.getError()).contains("\"k\"").contains("success op 1").contains("op 0");
    assertThat(putInDelete.getError()).contains("\"p/x\"").contains("failure op 1").contains("deleted by failure op 0");
    assertThat(store.revision()).isZero();
    // The two branches are separate: one key in both is fine.
    assertThat(applier.apply(txn(List.of(), List.of(putOp("k", "1")), List.of(putOp("k", "2")))).getError()).isEmpty();
  }

  @Test
  void moreOpsThanTheLimitAreRefused() {
    List<TxnRequestOp> ops = IntStream.range(0, TxnRules.MAX_OPS + 1).mapToObj(i -> putOp("k" + i, "v")).toList();
    CommandResult tooMany = applier.apply(txn(List.of(), ops, List.of()));
    CommandResult atLimit = applier.apply(txn(List.of(), ops.subList(0, TxnRules.MAX_OPS), List.of()));

    assertThat(tooMany.getError()).contains("at most 128 ops").contains("129");
    assertThat(atLimit.getError()).isEmpty();
    assertThat(store.size()).isEqualTo(TxnRules.MAX_OPS);
    assertThat(atLimit.getRevision()).isEqualTo(1);
  }

  @Test
  void malformedRangesAreRefused() {
    CommandResult emptyInterval = applier.apply(txn(
        List.of(compare("b", Target.VERSION, Result.EQUAL, 0).toBuilder().setRangeEnd("a").build()),
        List.of(), List.of()));
    CommandResult emptyKey = applier.apply(txn(List.of(), List.of(rangeOp(RangeOp.newBuilder().build())), List.of()));
    CommandResult noOp = applier.apply(txn(List.of(), List.of(TxnRequestOp.getDefaultInstance()), List.of()));

    assertThat(emptyInterval.getError()).startsWith("compare 0:").contains("empty");
    assertThat(emptyKey.getError()).startsWith("success op 0:");
    assertThat(noOp.getError()).contains("no operation");
  }

  @Test
  void aRetriedTransactionGetsItsFirstOutcomeWithoutTheEntriesItRead() {
    applier.apply(put("k", "v"));
    Command cas = withId(txn(List.of(compare("k", Target.VERSION, Result.EQUAL, 1)),
        List.of(putOp("k", "w"), rangeOp(RangeOp.newBuilder().setKey("k").build())), List.of()), "client-1", 1);

    CommandResult first = applier.apply(cas);
    CommandResult retry = applier.apply(cas);

    assertThat(first.getSucceeded()).isTrue();
    assertThat(first.getResponses(1).getRange().getKvsCount()).isEqualTo(1);
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getSucceeded()).as("the compare would fail now; the first outcome counts").isTrue();
    assertThat(retry.getRevision()).isEqualTo(first.getRevision());
    assertThat(retry.getResponses(1).getRange().getCount()).isEqualTo(1);
    assertThat(retry.getResponses(1).getRange().getKvsCount()).isZero();
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void deleteRangeDeletesEveryKeyOfThePrefixAtOneRevision() throws Exception {
    applier.apply(put("p/a", "1"));
    applier.apply(put("p/b", "2"));
    applier.apply(put("q", "3"));
    Watch watch = hub.watch(WatchFilter.prefix(""), 0, () -> { });

    CommandResult r = applier.apply(TxnCommands.deleteRange(deletePrefix("p/")));
    CommandResult none = applier.apply(TxnCommands.deleteRange(deletePrefix("p/")));

    assertThat(r.getDeleted()).isEqualTo(2);
    assertThat(r.getRevision()).isEqualTo(4);
    assertThat(r.getPrevKvsList()).extracting(StoredKeyValue::getKey).containsExactly("p/a", "p/b");
    assertThat(watch.poll().revision()).isEqualTo(4);
    assertThat(watch.poll().revision()).isEqualTo(4);
    assertThat(none.getDeleted()).isZero();
    assertThat(none.getRevision()).isEqualTo(4);
    assertThat(store.get("q")).isPresent();
    // From a key on, to the end of the key space.
    assertThat(applier.apply(TxnCommands.deleteRange(DeleteOp.newBuilder().setKey("a").setRangeEnd("\0").build()))
        .getDeleted()).isEqualTo(1);
    assertThat(store.size()).isZero();
  }

  @Test
  void previousEntriesBeyondTheResponseBudgetAreLeftOutButCounted() {
    ByteString big = ByteString.copyFrom(new byte[1 << 20]);
    for (int i = 0; i < 5; i++) {
      applier.apply(Command.newBuilder().setPut(dev.kvstore.statemachine.proto.PutOp.newBuilder()
          .setKey("big/" + i).setValue(big)).build());
    }

    CommandResult ranged = applier.apply(txn(List.of(), List.of(rangeOp(rangePrefix("big/")),
        rangeOp(rangePrefix("big/"))), List.of()));
    CommandResult deleted = applier.apply(TxnCommands.deleteRange(deletePrefix("big/")));

    assertThat(ranged.getResponses(0).getRange().getKvsCount()).isEqualTo(2);
    assertThat(ranged.getResponses(0).getRange().getMore()).isTrue();
    assertThat(ranged.getResponses(0).getRange().getCount()).isEqualTo(5);
    assertThat(ranged.getResponses(1).getRange().getKvsCount()).as("the budget is the transaction's").isZero();
    assertThat(ranged.getResponses(1).getRange().getMore()).isTrue();
    assertThat(deleted.getDeleted()).isEqualTo(5);
    assertThat(deleted.getPrevKvsCount()).isEqualTo(2);
    assertThat(store.size()).isZero();
  }

  @Test
  void theCommandsOfOneBatchShareTheEntryBudget() {
    ByteString big = ByteString.copyFrom(new byte[1 << 20]);
    for (int i = 0; i < 2; i++) {
      applier.apply(Command.newBuilder().setPut(dev.kvstore.statemachine.proto.PutOp.newBuilder()
          .setKey("big/" + i).setValue(big)).build());
    }
    Command read = txn(List.of(), List.of(rangeOp(rangePrefix("big/"))), List.of());
    List<Command> reads = new ArrayList<>(Collections.nCopies(8, read));

    CommandResult batch = applier.apply(TestCommands.batch(reads.toArray(Command[]::new)));

    List<Integer> returned = batch.getBatchList().stream()
        .map(r -> r.getResponses(0).getRange().getKvsCount()).toList();
    // 12 MiB for the entry, 2 MiB and a bit per read: five full reads, then one entry, then none.
    assertThat(returned).containsExactly(2, 2, 2, 2, 2, 1, 0, 0);
    // The next entry has its budget again.
    assertThat(applier.apply(read).getResponses(0).getRange().getKvsCount()).isEqualTo(2);
  }

  private boolean succeeds(TxnCompare compare) {
    CommandResult r = applier.apply(txn(List.of(compare), List.of(), List.of()));
    assertThat(r.getError()).isEmpty();
    return r.getSucceeded();
  }
}
