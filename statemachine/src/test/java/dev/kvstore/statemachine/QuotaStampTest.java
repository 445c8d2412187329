package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.batch;
import static dev.kvstore.statemachine.TestCommands.delete;
import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.readBarrier;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.CompactOp;
import dev.kvstore.statemachine.proto.LeaseGrantOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.QuotaExceeded;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.TxnOp;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import org.junit.jupiter.api.Test;

/** The leader's storage-quota stamp and how every replica applies a stamped write. */
class QuotaStampTest {

  private static final QuotaExceeded MEASURED = QuotaExceeded.newBuilder().setQuotaBytes(1000).setUsedBytes(1500)
      .setMemberId("n1").build();

  private final MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
  private final AppliedRequests applied = new AppliedRequests();
  private final CommandApplier applier = new CommandApplier(store, applied, new WatchHub(store, 100));

  @Test
  void onlyWritesThatAddDataAreStamped() {
    Command txnWithPut = Command.newBuilder().setTxn(TxnOp.newBuilder()
        .addFailure(TxnRequestOp.newBuilder().setPut(PutOp.newBuilder().setKey("k").setValue(ByteString.EMPTY))))
        .build();
    Command txnWithDelete = Command.newBuilder().setTxn(TxnOp.newBuilder()
        .addSuccess(TxnRequestOp.newBuilder().setDelete(delete("k").getDelete()))).build();
    Command grant = Command.newBuilder().setLeaseGrant(LeaseGrantOp.newBuilder().setId(7).setTtl(10)).build();
    Command compact = Command.newBuilder().setCompact(CompactOp.newBuilder().setRevision(1)).build();

    assertThat(QuotaStamp.addsData(put("k", "v"))).isTrue();
    assertThat(QuotaStamp.addsData(txnWithPut)).isTrue();
    assertThat(QuotaStamp.addsData(grant)).isTrue();
    assertThat(QuotaStamp.addsData(delete("k"))).isFalse();
    assertThat(QuotaStamp.addsData(txnWithDelete)).isFalse();
    assertThat(QuotaStamp.addsData(compact)).isFalse();
    assertThat(QuotaStamp.addsData(readBarrier())).isFalse();

    Command deletes = batch(delete("a"), compact);
    assertThat(QuotaStamp.stamp(deletes, MEASURED)).isSameAs(deletes);
    Command mixed = QuotaStamp.stamp(batch(put("a", "1"), delete("b"), grant), MEASURED);
    assertThat(mixed.getBatch().getCommandsList()).extracting(Command::hasQuotaExceeded)
        .containsExactly(true, false, true);
  }

  @Test
  void aStampedWriteIsRefusedWithTheMeasurementAndHowToRecover() {
    applier.apply(put("k", "before"));
    CommandResult result = applier.apply(QuotaStamp.stamp(put("k", "after"), MEASURED));

    assertThat(result.getRefusal()).isEqualTo(Refusal.NO_SPACE);
    assertThat(result.getError()).contains("storage quota exceeded", "leader (n1)", "1500 bytes", "1000 bytes",
        "--quota-backend-bytes", "kvstore compact", "kvstore snapshot", "nothing was written");
    assertThat(store.get("k").orElseThrow().value().toStringUtf8()).isEqualTo("before");
    assertThat(store.revision()).isEqualTo(1);
  }

  @Test
  void aRefusalIsNotRememberedSoTheSameWriteSucceedsOnceTheQuotaAllowsIt() {
    Command write = withId(put("k", "v"), "client-12345678", 1);
    assertThat(applier.apply(QuotaStamp.stamp(write, MEASURED)).getRefusal()).isEqualTo(Refusal.NO_SPACE);

    CommandResult later = applier.apply(write);
    assertThat(later.getError()).isEmpty();
    assertThat(later.getDuplicate()).isFalse();
    assertThat(store.get("k")).isPresent();
  }

  @Test
  void aRetryOfAnAppliedWriteGetsItsFirstResultEvenWhenStamped() {
    Command write = withId(put("k", "v"), "client-12345678", 1);
    long revision = applier.apply(write).getRevision();

    CommandResult retry = applier.apply(QuotaStamp.stamp(write, MEASURED));
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getRevision()).isEqualTo(revision);
    assertThat(retry.getError()).isEmpty();
  }
}
