package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Transactions, compare-and-swap and range deletes from the client: request shape, ids, retries, limits. */
class KvClientTxnTest {

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();
  private final FakeKvServer first = cluster.node("n1");
  private final FakeKvServer second = cluster.node("n2");
  private final KvClient client = cluster.track(KvClient.builder()
      .endpoints(List.of(first.endpoint(), second.endpoint())).build());

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  @Test
  void aTransactionRunsTheBranchItsComparesChooseAtOneRevision() {
    store.put("a", ByteString.copyFromUtf8("1"), null);

    TxnResponse won = client.txn(Txn.when(Cmp.value("a").equal("1"), Cmp.version("b").equal(0))
        .then(Op.put("a", "2"), Op.put("b", "1"), Op.get("a"))
        .orElse(Op.get("a")));
    TxnResponse lost = client.txn(Txn.when(Cmp.value("a").equal("1")).then(Op.put("a", "3")).orElse(Op.get("a")));

    assertThat(won.getSucceeded()).isTrue();
    assertThat(won.getHeader().getRevision()).isEqualTo(2);
    assertThat(won.getResponses(2).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("2");
    assertThat(store.get("b").orElseThrow().getModRevision()).isEqualTo(2);
    assertThat(lost.getSucceeded()).isFalse();
    assertThat(lost.getResponsesList()).hasSize(1);
    TxnRequest sent = first.<TxnRequest>requests("Txn").get(0);
    assertThat(sent.getCompare(0).getTarget()).isEqualTo(Compare.CompareTarget.VALUE);
    assertThat(sent.getCompare(1).getTargetUnionCase()).isEqualTo(Compare.TargetUnionCase.VERSION);
    assertThat(sent.getRequestId().getSequence()).isEqualTo(1);
  }

  @Test
  void aRetriedTransactionKeepsItsRequestIdAndIsAppliedOnce() {
    first.failNext("Txn", Status.UNAVAILABLE.withDescription("no leader within 1s"));
    store.put("k", ByteString.copyFromUtf8("v"), null);

    TxnResponse r = client.txn(Txn.when(Cmp.modRevision("k").equal(1)).then(Op.put("k", "w")));

    assertThat(r.getSucceeded()).isTrue();
    TxnRequest onFirst = first.<TxnRequest>requests("Txn").get(0);
    TxnRequest onSecond = second.<TxnRequest>requests("Txn").get(0);
    assertThat(onSecond.getRequestId()).isEqualTo(onFirst.getRequestId());
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void compareAndSwapTellsWhoWonAndWhatIsThere() throws Exception {
    ByteString v1 = ByteString.copyFromUtf8("v1");
    ByteString v2 = ByteString.copyFromUtf8("v2");

    CasResult created = client.cas("k", null, v1);
    CasResult again = client.cas("k", null, v2);
    CasResult swapped = client.async().cas("k", v1, v2).get(10, TimeUnit.SECONDS);
    CasResult byRevision = client.casModRevision("k", 1, v1);

    assertThat(created.won()).isTrue();
    assertThat(created.revision()).isEqualTo(1);
    assertThat(again.won()).isFalse();
    assertThat(again.current().getValue()).isEqualTo(v1);
    assertThat(swapped.won()).isTrue();
    assertThat(byRevision.won()).as("the key was written since revision 1").isFalse();
    assertThat(byRevision.current().getModRevision()).isEqualTo(2);
    assertThat(client.cas("absent", v1, v2)).isEqualTo(new CasResult(false, 2, null));
  }

  @Test
  void deleteRangeByPrefixAndByIntervalCarryRequestIds() throws Exception {
    IntStream.range(0, 3).forEach(i -> store.put("p/" + i, ByteString.copyFromUtf8("x"), null));
    store.put("q", ByteString.copyFromUtf8("x"), null);

    DeleteRangeResponse prefix = client.deletePrefix("p/", true);
    DeleteRangeResponse interval = client.async()
        .deleteRange(DeleteRangeRequest.newBuilder().setKey("a").setRangeEnd("\0").build()).get(10, TimeUnit.SECONDS);

    assertThat(prefix.getDeleted()).isEqualTo(3);
    assertThat(prefix.getPrevKvsList()).extracting(KeyValue::getKey).containsExactly("p/0", "p/1", "p/2");
    assertThat(prefix.getHeader().getRevision()).isEqualTo(5);
    assertThat(interval.getDeleted()).isEqualTo(1);
    List<DeleteRangeRequest> sent = first.requests("DeleteRange");
    assertThat(sent).extracting(r -> r.getRequestId().getSequence()).containsExactly(1L, 2L);
    assertThat(sent.get(0).getPrefix()).isTrue();
  }

  @Test
  void requestsOverADocumentedLimitAreNotSent() {
    Txn tooMany = Txn.when();
    for (int i = 0; i < 129; i++) {
      tooMany = tooMany.then(Op.put("k" + i, "v"));
    }
    Txn finalTooMany = tooMany;

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.txn(finalTooMany));
    KvClientException badRange = catchThrowableOfType(KvClientException.class,
        () -> client.deleteRange("b", "a", false));

    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("Txn not sent").contains("129 success ops; the maximum is 128");
    assertThat(badRange.getMessage()).contains("DeleteRange not sent").contains("empty");
    assertThat(first.requests("Txn")).isEmpty();
    assertThatThrownBy(() -> Cmp.value("k").equal(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cmp.version("k").equal("3")).isInstanceOf(IllegalArgumentException.class);
  }
}
