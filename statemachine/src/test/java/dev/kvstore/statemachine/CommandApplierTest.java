package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.batch;
import static dev.kvstore.statemachine.TestCommands.delete;
import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.putWithPrev;
import static dev.kvstore.statemachine.TestCommands.readBarrier;
import static dev.kvstore.statemachine.TestCommands.withId;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DedupRecord;
import dev.kvstore.statemachine.proto.Refusal;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandApplierTest {

  private final MvccStore store = new MvccStore(0);
  private final AppliedRequests applied = new AppliedRequests();
  private final WatchHub hub = new WatchHub(store, 100);
  private final CommandApplier applier = new CommandApplier(store, applied, hub);

  @Test
  void everyWriteGetsTheNextRevisionAndKeysTrackTheirHistory() {
    assertThat(applier.apply(put("a", "1")).getRevision()).isEqualTo(1);
    assertThat(applier.apply(put("b", "1")).getRevision()).isEqualTo(2);
    assertThat(applier.apply(put("a", "2")).getRevision()).isEqualTo(3);

    KeyValue a = store.get("a").orElseThrow();
    assertThat(a.value().toStringUtf8()).isEqualTo("2");
    assertThat(a.createRevision()).isEqualTo(1);
    assertThat(a.modRevision()).isEqualTo(3);
    assertThat(a.version()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(3);
  }

  @Test
  void eachCommandOfABatchIsAppliedAsIfAlone() throws Exception {
    applier.apply(put("a", "0"));
    Watch watch = hub.watch(WatchFilter.prefix(""), 2, () -> { });

    CommandResult results = applier.apply(batch(
        withId(put("a", "1"), "client-12345678", 1),
        put("", "malformed"),
        readBarrier(),
        withId(put("a", "1"), "client-12345678", 1),
        withId(put("b", "other"), "client-12345678", 1),
        batch(put("c", "nested")),
        delete("a")));

    assertThat(results.getBatchList()).hasSize(7);
    assertThat(results.getBatch(0).getRevision()).isEqualTo(2);
    assertThat(results.getBatch(1).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(results.getBatch(1).getError()).contains("non-empty key");
    assertThat(results.getBatch(2).getError()).isEmpty();
    assertThat(results.getBatch(3).getDuplicate()).as("a retry within the batch").isTrue();
    assertThat(results.getBatch(3).getRevision()).isEqualTo(2);
    assertThat(results.getBatch(4).getRefusal()).isEqualTo(Refusal.REQUEST_ID_REUSED);
    assertThat(results.getBatch(5).getError()).contains("cannot hold a batch");
    assertThat(results.getBatch(6).getDeleted()).isEqualTo(1);
    assertThat(results.getBatch(6).getRevision()).isEqualTo(3);
    assertThat(results.getRevision()).isEqualTo(3);
    assertThat(store.get("b")).isEmpty();
    assertThat(store.get("c")).isEmpty();
    assertThat(watch.poll().revision()).isEqualTo(2);
    assertThat(watch.poll().revision()).isEqualTo(3);
    assertThat(watch.poll()).isNull();
  }

  @Test
  void compactionIsAppliedOnceAndRefusedOutsideTheAvailableRevisions() {
    MvccStore kept = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    CommandApplier keeping = new CommandApplier(kept, new AppliedRequests(), new WatchHub(kept, 10));
    for (int i = 1; i <= 5; i++) {
      keeping.apply(put("k", "v" + i));
    }

    CommandResult compacted = keeping.apply(compact(3));
    assertThat(compacted.getError()).isEmpty();
    assertThat(compacted.getCompactedRevision()).isEqualTo(3);
    assertThat(compacted.getRevision()).as("compaction takes no revision").isEqualTo(5);
    assertThat(kept.compactedRevision()).isEqualTo(3);

    CommandResult again = keeping.apply(compact(3));
    assertThat(again.getRefusal()).isEqualTo(Refusal.REVISION_COMPACTED);
    assertThat(again.getError()).contains("revision 3 is already compacted").contains("4..5");
    CommandResult future = keeping.apply(compact(6));
    assertThat(future.getRefusal()).isEqualTo(Refusal.FUTURE_REVISION);
    assertThat(future.getError()).contains("the current revision is 5");
    assertThat(keeping.apply(compact(0)).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(kept.compactedRevision()).isEqualTo(3);
  }

  private static Command compact(long revision) {
    return Command.newBuilder()
        .setCompact(dev.kvstore.statemachine.proto.CompactOp.newBuilder().setRevision(revision))
        .build();
  }

  @Test
  void aBatchWithARequestIdIsRefusedWhole() {
    CommandResult result = applier.apply(withId(batch(put("a", "1")), "client-12345678", 1));

    assertThat(result.getError()).contains("batch carries no request id");
    assertThat(store.revision()).isZero();
  }

  @Test
  void aReadBarrierChangesNothingAndIsNotRemembered() throws Exception {
    applier.apply(put("k", "v"));
    Watch watch = hub.watch(WatchFilter.prefix(""), 0, () -> { });

    CommandResult barrier = applier.apply(readBarrier());
    CommandResult again = applier.apply(readBarrier());

    assertThat(barrier.getError()).isEmpty();
    assertThat(barrier.getRevision()).isEqualTo(1);
    assertThat(again.getRevision()).isEqualTo(1);
    assertThat(store.revision()).isEqualTo(1);
    assertThat(applied.size()).isZero();
    assertThat(watch.poll()).as("no event").isNull();
    // A barrier has no business with a request id: refused as malformed, still nothing changes.
    assertThat(applier.apply(withId(readBarrier(), "client-12345678", 1)).getError()).contains("no request id");
    assertThat(applied.size()).isZero();
  }

  @Test
  void putReturnsThePreviousValueOnlyWhenAsked() {
    applier.apply(put("k", "old"));
    assertThat(applier.apply(put("k", "mid")).hasPrev()).isFalse();
    CommandResult r = applier.apply(putWithPrev("k", "new"));
    assertThat(r.getPrev().getValue().toStringUtf8()).isEqualTo("mid");
    assertThat(r.getPrev().getVersion()).isEqualTo(2);
  }

  @Test
  void deleteRemovesTheKeyAndAnAbsentKeyConsumesNoRevision() {
    applier.apply(put("k", "v"));
    CommandResult first = applier.apply(delete("k"));
    assertThat(first.getDeleted()).isEqualTo(1);
    assertThat(first.getRevision()).isEqualTo(2);
    assertThat(first.getPrev().getValue().toStringUtf8()).isEqualTo("v");
    assertThat(store.get("k")).isEmpty();

    CommandResult second = applier.apply(delete("k"));
    assertThat(second.getDeleted()).isZero();
    assertThat(second.getRevision()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void recreatedKeyStartsANewLife() {
    applier.apply(put("k", "1"));
    applier.apply(put("k", "2"));
    applier.apply(delete("k"));
    applier.apply(put("k", "3"));
    KeyValue kv = store.get("k").orElseThrow();
    assertThat(kv.createRevision()).isEqualTo(4);
    assertThat(kv.version()).isEqualTo(1);
  }

  @Test
  void aRetriedRequestIsAppliedOnceAndGetsTheFirstResult() {
    CommandResult first = applier.apply(withId(put("k", "v1"), "client-1", 7));
    applier.apply(put("other", "x"));
    CommandResult retry = applier.apply(withId(put("k", "v1"), "client-1", 7));

    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getRevision()).isEqualTo(first.getRevision());
    assertThat(store.revision()).isEqualTo(2);
    assertThat(store.get("k").orElseThrow().version()).isEqualTo(1);

    CommandResult next = applier.apply(withId(put("k", "v2"), "client-1", 8));
    assertThat(next.getDuplicate()).isFalse();
    assertThat(next.getRevision()).isEqualTo(3);
    CommandResult otherClient = applier.apply(withId(put("k", "v3"), "client-2", 7));
    assertThat(otherClient.getDuplicate()).isFalse();
  }

  @Test
  void aRequestIdReusedForADifferentCommandIsRefusedAndChangesNothing() throws Exception {
    CommandResult first = applier.apply(withId(put("k", "v1"), "client-1", 7));
    Watch watch = hub.watch(WatchFilter.prefix(""), 0, () -> { });
    List<DedupRecord> remembered = applied.records();

    for (Command other : List.of(put("other", "v1"), put("k", "v2"), putWithPrev("k", "v1"), delete("k"))) {
      CommandResult refused = applier.apply(withId(other, "client-1", 7));

      assertThat(refused.getRefusal()).as("%s", other).isEqualTo(Refusal.REQUEST_ID_REUSED);
      assertThat(refused.getDuplicate()).isFalse();
      assertThat(refused.getRevision()).isEqualTo(first.getRevision());
      assertThat(refused.getError()).isEqualTo("request id (client " + HexFormat.of().formatHex("client-1".getBytes(UTF_8))
          + ", sequence 7) was already used for a different write at revision 1;"
          + " use a new sequence number");
    }
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.get("other")).isEmpty();
    assertThat(store.get("k").orElseThrow().value().toStringUtf8()).isEqualTo("v1");
    assertThat(store.get("k").orElseThrow().version()).isEqualTo(1);
    assertThat(watch.poll()).isNull();
    assertThat(applied.records()).isEqualTo(remembered);

    // The id still belongs to the first command: its genuine retry gets the first result.
    CommandResult retry = applier.apply(withId(put("k", "v1"), "client-1", 7));
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getRevision()).isEqualTo(first.getRevision());
  }

  @Test
  void anEntryWithoutADigestFromAnOlderSnapshotMatchesAnyCommand() {
    applied.reset(List.of(DedupRecord.newBuilder()
        .setRequestId(withId(put("k", "v"), "client-1", 3).getRequestId())
        .setResult(CommandResult.newBuilder().setRevision(5))
        .build()));

    CommandResult result = applier.apply(withId(put("whatever", "x"), "client-1", 3));

    assertThat(result.getDuplicate()).isTrue();
    assertThat(result.getRevision()).isEqualTo(5);
    assertThat(result.getError()).isEmpty();
    assertThat(store.revision()).isZero();
  }

  @Test
  void theDedupTableIsBoundedAndEvictsOldestFirst() {
    for (int i = 1; i <= AppliedRequests.MAX_ENTRIES + 10; i++) {
      applier.apply(withId(put("k", "v"), "c", i));
    }
    assertThat(applied.size()).isEqualTo(AppliedRequests.MAX_ENTRIES);
    long revision = store.revision();
    // sequence 1 was evicted: a late retry of it applies again (documented limit)
    assertThat(applier.apply(withId(put("k", "v"), "c", 1)).getDuplicate()).isFalse();
    assertThat(store.revision()).isEqualTo(revision + 1);
    // a recent one is still remembered
    assertThat(applier.apply(withId(put("k", "v"), "c", AppliedRequests.MAX_ENTRIES)).getDuplicate()).isTrue();
  }

  @Test
  void malformedCommandsChangeNothing() {
    applier.apply(put("k", "v"));
    CommandResult empty = applier.apply(Command.getDefaultInstance());
    CommandResult emptyKey = applier.apply(put("", "v"));
    assertThat(empty.getError()).contains("no operation");
    assertThat(emptyKey.getError()).contains("non-empty key");
    assertThat(store.revision()).isEqualTo(1);
  }

  @Test
  void valuesAreOpaqueBytes() {
    byte[] bytes = {0, (byte) 0xff, (byte) 0xc3, 0x28};
    applier.apply(Command.newBuilder()
        .setPut(dev.kvstore.statemachine.proto.PutOp.newBuilder().setKey("bin").setValue(ByteString.copyFrom(bytes)))
        .build());
    assertThat(store.get("bin").orElseThrow().value().toByteArray()).containsExactly(bytes);
  }
}
