package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Txn and DeleteRange through a 3-node cluster: atomic, at one revision, exactly one CAS winner. */
class TxnTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static KvStoreGrpc.KvStoreBlockingStub kv(String id) {
    return SHARED.cluster().kv(id);
  }

  @Test
  void ofConcurrentCompareAndSwapsOnOneRevisionExactlyOneWins() throws Exception {
    long start = kv("n1").put(put("race/lock", "free")).getHeader().getRevision();
    int clients = 9;
    List<String> nodes = SHARED.cluster().ids();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<TxnResponse>> attempts = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String me = "client-" + i;
        String node = nodes.get(i % nodes.size());
        TxnRequest cas = TxnRequest.newBuilder()
            .addCompare(Compare.newBuilder().setKey("race/lock").setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.EQUAL).setModRevision(start))
            .addSuccess(putOp("race/lock", me))
            .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey("race/lock")))
            .build();
        attempts.add(pool.submit(() -> {
          go.await();
          return kv(node).txn(cas);
        }));
      }
      go.countDown();
      List<TxnResponse> answers = new ArrayList<>();
      for (Future<TxnResponse> attempt : attempts) {
        answers.add(attempt.get(30, TimeUnit.SECONDS));
      }

      List<TxnResponse> winners = answers.stream().filter(TxnResponse::getSucceeded).toList();
      assertThat(winners).hasSize(1);
      long won = winners.get(0).getHeader().getRevision();
      String owner = kv("n2").get(Requests.get("race/lock")).getValue().toStringUtf8();
      assertThat(owner).startsWith("client-");
      for (TxnResponse lost : answers.stream().filter(r -> !r.getSucceeded()).toList()) {
        // Every loser read the winner's value, at the winner's revision or later.
        KeyValue seen = lost.getResponses(0).getResponseRange().getKvs(0);
        assertThat(seen.getValue().toStringUtf8()).isEqualTo(owner);
        assertThat(seen.getModRevision()).isEqualTo(won);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWatcherSeesEveryChangeOfATransactionAtItsOneRevision() {
    kv("n1").put(put("atomic/c", "old"));
    // A linearizable read on n3 first: a watch starts after the revision its node has applied, and
    // n3 may not have applied that put yet (then the watch would see it too).
    assertThat(kv("n3").get(GetRequest.newBuilder().setKey("atomic/c").build()).getFound()).isTrue();
    List<WatchResponse> seen = new CopyOnWriteArrayList<>();
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      ctx.run(() -> KvStoreGrpc.newStub(SHARED.cluster().channel("n3")).watch(
          WatchRequest.newBuilder().setKey("atomic/").setPrefix(true).build(), collect(seen)));
      await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());

      TxnResponse txn = kv("n2").txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey("atomic/a").setTarget(Compare.CompareTarget.VERSION).setVersion(0))
          .addSuccess(putOp("atomic/a", "1"))
          .addSuccess(putOp("atomic/b", "2"))
          .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey("atomic/c")))
          .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey("atomic/").setPrefix(true)))
          .build());

      assertThat(txn.getSucceeded()).isTrue();
      long revision = txn.getHeader().getRevision();
      assertThat(txn.getResponsesList()).allSatisfy(r -> assertThat(headerRevision(r)).isEqualTo(revision));
      assertThat(txn.getResponses(3).getResponseRange().getKvsList()).extracting(KeyValue::getKey)
          .as("the range sees the writes before it").containsExactly("atomic/a", "atomic/b");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(seen)).hasSize(3));
      assertThat(events(seen)).extracting(WatchResponse::getRevision).containsOnly(revision);
      assertThat(events(seen)).extracting(WatchResponse::getKey).containsExactly("atomic/a", "atomic/b", "atomic/c");
    }
  }

  @Test
  void deleteRangeDeletesAPrefixAtOneRevisionAndARetryIsAppliedOnce() {
    for (int i = 0; i < 5; i++) {
      kv("n1").put(put("dr/" + i, "v" + i));
    }
    kv("n1").put(put("drx", "stays"));
    DeleteRangeRequest request = DeleteRangeRequest.newBuilder().setKey("dr/").setPrefix(true).setPrevKv(true)
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFromUtf8("client-0123456789")).setSequence(1))
        .build();

    DeleteRangeResponse first = kv("n2").deleteRange(request);
    DeleteRangeResponse retry = kv("n3").deleteRange(request);

    assertThat(first.getDeleted()).isEqualTo(5);
    assertThat(first.getPrevKvsList()).extracting(KeyValue::getKey).containsExactly("dr/0", "dr/1", "dr/2", "dr/3", "dr/4");
    assertThat(retry.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision());
    assertThat(retry.getDeleted()).isEqualTo(5);
    for (String node : SHARED.cluster().ids()) {
      assertThat(kv(node).get(Requests.get("dr/3")).getFound()).as(node).isFalse();
      assertThat(kv(node).get(Requests.get("drx")).getFound()).as(node).isTrue();
    }
    DeleteRangeResponse interval = kv("n1").deleteRange(
        DeleteRangeRequest.newBuilder().setKey("drw").setRangeEnd("dry").build());
    assertThat(interval.getDeleted()).isEqualTo(1);
    assertThat(interval.getPrevKvsList()).isEmpty();
  }

  @Test
  void badTransactionsAreRefusedWithWhatIsWrong() {
    KvStoreGrpc.KvStoreBlockingStub kv = kv("n1");
    assertInvalid(() -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp("twice", "1")).addSuccess(putOp("twice", "2"))
        .build()), "success op 1: key \"twice\" is already put by success op 0");
    assertInvalid(() -> kv.txn(TxnRequest.newBuilder()
        .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey("p/")
            .setPrefix(true)))
        .addFailure(putOp("p/x", "1")).build()), "key \"p/x\" is also deleted by failure op 0");
    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    IntStream.range(0, 129).forEach(i -> tooMany.addSuccess(putOp("k" + i, "v")));
    assertInvalid(() -> kv.txn(tooMany.build()), "129 success ops; the maximum is 128");
    assertInvalid(() -> kv.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey("k")
        .setTarget(Compare.CompareTarget.VALUE).setVersion(1)).build()), "compare 0: target VALUE compares with the"
        + " field value");
    assertInvalid(() -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
        put("k", "v", "client-0123456789", 1))).build()), "success op 0: an op has no request_id of its own");
    assertInvalid(() -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build()),
        "success op 0: no operation");
    assertInvalid(() -> kv.deleteRange(DeleteRangeRequest.newBuilder().setKey("b").setRangeEnd("a").build()),
        "is empty");
  }

  private static RequestOp putOp(String key, String value) {
    return RequestOp.newBuilder().setRequestPut(put(key, value)).build();
  }

  private static long headerRevision(dev.kvstore.api.ResponseOp r) {
    return switch (r.getResponseCase()) {
      case RESPONSE_PUT -> r.getResponsePut().getHeader().getRevision();
      case RESPONSE_RANGE -> r.getResponseRange().getHeader().getRevision();
      case RESPONSE_DELETE_RANGE -> r.getResponseDeleteRange().getHeader().getRevision();
      case RESPONSE_NOT_SET -> -1;
    };
  }

  private static void assertInvalid(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }

  private static List<WatchResponse> events(List<WatchResponse> seen) {
    return seen.stream().filter(r -> !r.getCreated()).toList();
  }

  private static StreamObserver<WatchResponse> collect(List<WatchResponse> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
