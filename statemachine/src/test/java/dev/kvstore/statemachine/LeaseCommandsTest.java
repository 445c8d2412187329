package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.batch;
import static dev.kvstore.statemachine.TestCommands.delete;
import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.LeaseExpireOp;
import dev.kvstore.statemachine.proto.LeaseGrantOp;
import dev.kvstore.statemachine.proto.LeaseRevokeOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.SnapshotHeader;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases in the state machine: grant, attach, detach, revoke, expire, snapshots. */
class LeaseCommandsTest {

  private static final long TERM = 7;

  @TempDir
  Path dir;

  private final MvccStore store = new MvccStore(0);
  private final AppliedRequests applied = new AppliedRequests();
  private final WatchHub hub = new WatchHub(store, 100);
  private final Leases leases = new Leases();
  private final CommandApplier applier = new CommandApplier(store, applied, hub, leases, new AuthStore());

  static Command grant(long id, long ttl) {
    return Command.newBuilder().setLeaseGrant(LeaseGrantOp.newBuilder().setId(id).setTtl(ttl)).build();
  }

  static Command revoke(long id) {
    return Command.newBuilder().setLeaseRevoke(LeaseRevokeOp.newBuilder().setId(id)).build();
  }

  static Command expire(long term, Long... ids) {
    return Command.newBuilder().setLeaseExpire(LeaseExpireOp.newBuilder().addAllIds(List.of(ids)).setTerm(term))
        .build();
  }

  static Command put(String key, String value, long lease) {
    return Command.newBuilder()
        .setPut(PutOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).setLease(lease)).build();
  }

  private CommandResult apply(Command c) {
    return applier.apply(c, TERM);
  }

  @Test
  void aGrantAddsTheLeaseWithoutARevisionAndATakenIdIsRefused() {
    CommandResult granted = apply(grant(5, 10));
    assertThat(granted.getError()).isEmpty();
    assertThat(granted.getLeaseId()).isEqualTo(5);
    assertThat(granted.getLeaseTtl()).isEqualTo(10);
    assertThat(store.revision()).isZero();
    assertThat(leases.all()).containsExactly(new Leases.Lease(5, 10));

    CommandResult again = apply(grant(5, 20));
    assertThat(again.getRefusal()).isEqualTo(Refusal.LEASE_EXISTS);
    assertThat(leases.grantedTtl(5)).hasValue(10);
  }

  @Test
  void aPutWithAnUnknownLeaseIsRefusedAndChangesNothing() {
    CommandResult refused = apply(put("k", "v", 42));
    assertThat(refused.getRefusal()).isEqualTo(Refusal.LEASE_NOT_FOUND);
    assertThat(refused.getError()).contains("lease 42 (hex 2a) not found");
    assertThat(store.get("k")).isEmpty();
    assertThat(store.revision()).isZero();
  }

  @Test
  void aTransactionPuttingWithAnUnknownLeaseIsRefusedWholeAndOneWithAKnownLeaseAttachesItsKeys() {
    apply(grant(7, 10));
    Command refusedTxn = Command.newBuilder().setTxn(dev.kvstore.statemachine.proto.TxnOp.newBuilder()
        .addSuccess(dev.kvstore.statemachine.proto.TxnRequestOp.newBuilder().setPut(put("t/a", "1", 7).getPut()))
        .addSuccess(dev.kvstore.statemachine.proto.TxnRequestOp.newBuilder().setPut(put("t/b", "1", 8).getPut())))
        .build();
    CommandResult refused = apply(refusedTxn);
    assertThat(refused.getRefusal()).isEqualTo(Refusal.LEASE_NOT_FOUND);
    assertThat(refused.getError()).contains("lease 8");
    assertThat(store.get("t/a")).as("nothing of the transaction is written").isEmpty();
    assertThat(store.revision()).isZero();

    Command attaching = Command.newBuilder().setTxn(dev.kvstore.statemachine.proto.TxnOp.newBuilder()
        .addSuccess(dev.kvstore.statemachine.proto.TxnRequestOp.newBuilder().setPut(put("t/a", "1", 7).getPut())))
        .build();
    assertThat(apply(attaching).getError()).isEmpty();
    assertThat(store.get("t/a").orElseThrow().lease()).isEqualTo(7);
    apply(revoke(7));
    assertThat(store.get("t/a")).as("deleted with its lease").isEmpty();
  }

  @Test
  void attachmentsFollowEveryChangeOfAKey() {
    apply(grant(1, 10));
    apply(grant(2, 10));
    apply(put("a", "1", 1));
    apply(put("b", "1", 1));
    apply(put("c", "1", 2));
    assertThat(store.get("a").orElseThrow().lease()).isEqualTo(1);
    assertThat(leases.keys(1)).containsExactly("a", "b");

    apply(put("a", "2", 2));
    assertThat(leases.keys(1)).containsExactly("b");
    assertThat(leases.keys(2)).containsExactly("a", "c");

    apply(TestCommands.put("c", "plain"));
    apply(delete("b"));
    assertThat(leases.keys(1)).isEmpty();
    assertThat(leases.keys(2)).containsExactly("a");
  }

  @Test
  void aRevokeDeletesTheLeaseAndAllItsKeysAtOneRevisionWithDeleteEvents() throws Exception {
    apply(grant(1, 10));
    apply(put("a", "1", 1));
    apply(put("b", "1", 1));
    apply(TestCommands.put("other", "x"));
    long before = store.revision();
    Watch watch = hub.watch(WatchFilter.prefix(""), before + 1, () -> { });

    CommandResult revoked = apply(revoke(1));

    assertThat(revoked.getError()).isEmpty();
    assertThat(revoked.getDeleted()).isEqualTo(2);
    assertThat(revoked.getRevision()).isEqualTo(before + 1);
    assertThat(store.get("a")).isEmpty();
    assertThat(store.get("b")).isEmpty();
    assertThat(store.get("other")).isPresent();
    assertThat(leases.exists(1)).isFalse();
    List<Event> events = new ArrayList<>();
    for (Event e = watch.poll(); e != null; e = watch.poll()) {
      events.add(e);
    }
    assertThat(events).extracting(Event::type, Event::key, Event::revision).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Event.Type.DELETE, "a", before + 1),
        org.assertj.core.groups.Tuple.tuple(Event.Type.DELETE, "b", before + 1));

    assertThat(apply(revoke(1)).getRefusal()).isEqualTo(Refusal.LEASE_NOT_FOUND);
  }

  @Test
  void aLeaseWithoutKeysIsRevokedWithoutARevision() {
    apply(grant(1, 10));
    assertThat(apply(revoke(1)).getRevision()).isZero();
    assertThat(leases.size()).isZero();
  }

  @Test
  void anExpiryRevokesEachLeaseStillThereAtItsOwnRevisionAndSkipsTheRest() {
    apply(grant(1, 10));
    apply(grant(2, 10));
    apply(put("a", "1", 1));
    apply(put("b", "1", 2));

    CommandResult expired = apply(expire(TERM, 1L, 2L, 3L));

    assertThat(expired.getError()).isEmpty();
    assertThat(expired.getExpiredLeasesList()).containsExactly(1L, 2L);
    assertThat(expired.getDeleted()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(4);
    assertThat(leases.size()).isZero();
  }

  @Test
  void anExpiryDecidedInAnotherTermThanItsEntryChangesNothing() {
    apply(grant(1, 10));
    apply(put("a", "1", 1));

    CommandResult stale = applier.apply(expire(TERM - 1, 1L), TERM);

    assertThat(stale.getError()).contains("term " + (TERM - 1)).contains("term " + TERM);
    assertThat(leases.exists(1)).isTrue();
    assertThat(store.get("a")).isPresent();
  }

  @Test
  void leaseCommandsInABatchAreAppliedInOrder() {
    CommandResult results = apply(batch(grant(9, 5), put("k", "v", 9), withId(revoke(9), "client-12345678", 1)));
    assertThat(results.getBatchList()).extracting(CommandResult::getError).containsOnly("");
    assertThat(store.get("k")).isEmpty();
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void malformedLeaseCommandsAreRefused() {
    assertThat(apply(grant(0, 5)).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(apply(grant(3, 0)).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(apply(revoke(-1)).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(apply(expire(TERM)).getRefusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(leases.size()).isZero();
  }

  @Test
  void aSnapshotCarriesTheLeasesAndTheirKeysComeBackFromTheKeyValues() throws IOException {
    apply(grant(1, 10));
    apply(grant(2, 30));
    apply(put("a", "1", 1));
    apply(put("b", "1", 2));
    apply(put("b", "2", 1));
    apply(put("c", "1", 1));
    apply(delete("c"));
    File file = dir.resolve("snapshot.1_7").toFile();
    try (MvccStore.RevisionView view = store.openView()) {
      SnapshotFile.write(file, view, applied.records(), leases.records(), CpuPacing.NONE);
    }

    SnapshotFile.Content content = SnapshotFile.read(file, null);
    Leases loaded = new Leases();
    loaded.reset(content.leases(), content.versions());

    assertThat(loaded.all()).containsExactly(new Leases.Lease(1, 10), new Leases.Lease(2, 30));
    assertThat(loaded.keys(1)).containsExactly("a", "b");
    assertThat(loaded.keys(2)).isEmpty();
  }

  @Test
  void aFormatTwoSnapshotLoadsWithoutLeases() throws IOException {
    File file = dir.resolve("snapshot.1_1").toFile();
    try (OutputStream out = Files.newOutputStream(file.toPath())) {
      SnapshotHeader.newBuilder().setFormatVersion(SnapshotFile.FORMAT_NO_LEASES).setRevision(1).setKeyCount(1)
          .setCompactedRevision(1).build().writeDelimitedTo(out);
      StoredKeyValue.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))
          .setCreateRevision(1).setModRevision(1).setVersion(1).build().writeDelimitedTo(out);
      StoredKeyValue.getDefaultInstance().writeDelimitedTo(out);
    }

    SnapshotFile.Content content = SnapshotFile.read(file, null);

    assertThat(content.versions()).hasSize(1);
    assertThat(content.leases()).isEmpty();
  }

  @Test
  void theListenerHearsOfGrantsRemovalsAndResets() {
    List<String> heard = new ArrayList<>();
    leases.listen(new Leases.Listener() {
      @Override
      public void granted(long id, long ttlSeconds) {
        heard.add("granted " + id + " " + ttlSeconds);
      }

      @Override
      public void removed(long id) {
        heard.add("removed " + id);
      }

      @Override
      public void reset() {
        heard.add("reset");
      }
    });
    apply(grant(1, 10));
    apply(grant(1, 10));
    apply(grant(2, 10));
    apply(revoke(1));
    apply(expire(TERM, 2L));
    leases.reset(List.of(), List.of());

    assertThat(heard).containsExactly("granted 1 10", "granted 2 10", "removed 1", "removed 2", "reset");
  }
}
