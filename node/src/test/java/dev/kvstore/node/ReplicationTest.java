package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.KvStoreGrpc.KvStoreBlockingStub;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.ReadConsistency;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Writes through any node, reads through any other, on one shared 3-node SHARED.cluster(). */
class ReplicationTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static KvStoreBlockingStub kv(String id) {
    return SHARED.cluster().kv(id);
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).build();
  }

  @Test
  void writeOnAFollowerIsReadLinearizablyOnAnotherNode() {
    String leader = SHARED.cluster().awaitLeader();
    String writer = SHARED.cluster().otherThan(leader);
    String reader = SHARED.cluster().otherThan(leader, writer);

    PutResponse written = kv(writer).put(put("replication/a", "1"));
    assertThat(written.getSuccess()).isTrue();
    assertThat(written.getHeader().getMemberId()).isEqualTo(writer);
    assertThat(written.getHeader().getLeaderId()).isEqualTo(leader);
    assertThat(written.getHeader().getRevision()).isPositive();

    GetResponse read = kv(reader).get(GetRequest.newBuilder().setKey("replication/a").build());
    assertThat(read.getFound()).isTrue();
    assertThat(read.getValue().toStringUtf8()).isEqualTo("1");
    assertThat(read.getKv().getModRevision()).isEqualTo(written.getHeader().getRevision());
    assertThat(read.getHeader().getRevision()).isGreaterThanOrEqualTo(written.getHeader().getRevision());
    assertThat(read.getHeader().getMemberId()).isEqualTo(reader);
  }

  @Test
  void linearizableReadsOnAQuietClusterWriteNothingToTheLog() {
    String leader = SHARED.cluster().awaitLeader();
    String follower = SHARED.cluster().otherThan(leader);
    long revision = kv(leader).put(put("read-index/k", "v")).getHeader().getRevision();
    long applied = SHARED.cluster().node(leader).appliedIndex();
    await().atMost(Duration.ofSeconds(10)).until(() -> SHARED.cluster().runningIds().stream()
        .allMatch(id -> SHARED.cluster().node(id).appliedIndex() == applied));

    for (int i = 0; i < 20; i++) {
      for (String reader : new String[] {leader, follower}) {
        GetResponse read = kv(reader).get(GetRequest.newBuilder().setKey("read-index/k").build());
        assertThat(read.getValue().toStringUtf8()).isEqualTo("v");
        assertThat(read.getHeader().getRevision()).isGreaterThanOrEqualTo(revision);
      }
    }

    assertThat(SHARED.cluster().node(leader).appliedIndex())
        .as("a read index asks the members for their term; no no-op went through the log")
        .isEqualTo(applied);
  }

  @Test
  void aFollowerThatAcknowledgedAWriteServesItToASerializableReadAtOnce() {
    String follower = SHARED.cluster().otherThan(SHARED.cluster().awaitLeader());
    for (int i = 0; i < 50; i++) {
      long revision = kv(follower).put(put("ryw/k", "v" + i)).getHeader().getRevision();
      GetResponse local = kv(follower).get(GetRequest.newBuilder().setKey("ryw/k")
          .setConsistency(ReadConsistency.SERIALIZABLE).build());
      assertThat(local.getValue().toStringUtf8()).isEqualTo("v" + i);
      assertThat(local.getKv().getModRevision()).isEqualTo(revision);
    }
  }

  @Test
  void missingKeyIsDistinguishableFromEmptyValue() {
    kv("n1").put(put("replication/empty", ""));
    GetResponse empty = kv("n2").get(GetRequest.newBuilder().setKey("replication/empty").build());
    GetResponse missing = kv("n2").get(GetRequest.newBuilder().setKey("replication/never-written").build());
    assertThat(empty.getFound()).isTrue();
    assertThat(empty.getValue()).isEmpty();
    assertThat(missing.getFound()).isFalse();
    assertThat(missing.hasKv()).isFalse();
  }

  @Test
  void aGetThatOmitsTheValueCarriesItOnlyInKv() {
    kv("n1").put(put("replication/once", "payload"));

    GetResponse both = kv("n2").get(GetRequest.newBuilder().setKey("replication/once").build());
    GetResponse once = kv("n2").get(GetRequest.newBuilder().setKey("replication/once").setOmitValue(true).build());

    assertThat(both.getValue().toStringUtf8()).isEqualTo("payload");
    assertThat(both.getKv().getValue().toStringUtf8()).isEqualTo("payload");
    assertThat(once.getValue()).isEmpty();
    assertThat(once.getFound()).isTrue();
    assertThat(once.getKv().getValue().toStringUtf8()).isEqualTo("payload");
    assertThat(once.getSerializedSize()).isLessThan(both.getSerializedSize());
  }

  @Test
  void everyReplicaAppliesTheSameRevisionsAndHistoryCounters() {
    for (int i = 0; i < 20; i++) {
      kv("n" + (i % 3 + 1)).put(put("replication/counter", "v" + i));
    }
    long revision = kv("n1").get(GetRequest.newBuilder().setKey("replication/counter").build()).getHeader().getRevision();
    for (String id : SHARED.cluster().ids()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        GetResponse local = kv(id).get(GetRequest.newBuilder().setKey("replication/counter")
            .setConsistency(ReadConsistency.SERIALIZABLE).build());
        assertThat(local.getHeader().getRevision()).isGreaterThanOrEqualTo(revision);
        assertThat(local.getKv().getVersion()).isEqualTo(20);
        assertThat(local.getValue().toStringUtf8()).isEqualTo("v19");
      });
    }
  }

  @Test
  void deleteReportsWhetherTheKeyExistedAndReturnsThePreviousValue() {
    kv("n1").put(put("replication/del", "x"));
    DeleteResponse first = kv("n2").delete(DeleteRequest.newBuilder().setKey("replication/del").setPrevKv(true).build());
    DeleteResponse second = kv("n3").delete(DeleteRequest.newBuilder().setKey("replication/del").build());
    assertThat(first.getSuccess()).isTrue();
    assertThat(first.getDeleted()).isEqualTo(1);
    assertThat(first.getPrevKv().getValue().toStringUtf8()).isEqualTo("x");
    assertThat(second.getSuccess()).isTrue();
    assertThat(second.getDeleted()).isZero();
    assertThat(kv("n1").get(GetRequest.newBuilder().setKey("replication/del").build()).getFound()).isFalse();
  }

  @Test
  void getAllListsAPrefixInKeyOrderAndPages() {
    for (int i = 5; i >= 1; i--) {
      kv("n" + (i % 3 + 1)).put(put("list/" + i, "v" + i));
    }
    kv("n1").put(put("listing-other", "x"));
    GetAllResponse all = kv("n3").getAll(GetAllRequest.newBuilder().setPrefix("list/").build());
    assertThat(all.getKvsList()).extracting(KeyValue::getKey)
        .containsExactly("list/1", "list/2", "list/3", "list/4", "list/5");
    assertThat(all.getMore()).isFalse();

    GetAllResponse page1 = kv("n2").getAll(GetAllRequest.newBuilder().setPrefix("list/").setLimit(2).build());
    assertThat(page1.getKvsList()).extracting(KeyValue::getKey).containsExactly("list/1", "list/2");
    assertThat(page1.getMore()).isTrue();
    assertThat(page1.getCount()).isEqualTo(5);
    GetAllResponse page2 = kv("n2").getAll(GetAllRequest.newBuilder().setPrefix("list/").setLimit(2)
        .setStartAfter("list/2").build());
    assertThat(page2.getKvsList()).extracting(KeyValue::getKey).containsExactly("list/3", "list/4");
  }

  @Test
  void putCanReturnThePreviousKeyValue() {
    kv("n1").put(put("replication/prev", "old"));
    PutResponse r = kv("n2").put(put("replication/prev", "new").toBuilder().setPrevKv(true).build());
    assertThat(r.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
    assertThat(r.getPrevKv().getVersion()).isEqualTo(1);
  }
}
