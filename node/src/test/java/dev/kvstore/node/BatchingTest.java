package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Writes that arrive together share log entries, and each still gets a revision of its own. */
class BatchingTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static final int WRITES = 300;

  @Test
  void concurrentWritesShareLogEntriesAndEachGetsItsOwnRevision() throws Exception {
    for (String via : List.of(SHARED.cluster().awaitLeader(), SHARED.cluster().otherThan(SHARED.cluster().awaitLeader()))) {
      String prefix = "batch/" + via + "/";
      long entriesBefore = SHARED.cluster().node(via).stateMachine().appliedIndex().current();

      List<CompletableFuture<PutResponse>> answers = IntStream.range(0, WRITES)
          .mapToObj(i -> putAsync(via, prefix + i, "v" + i))
          .toList();
      List<Long> revisions = answers.stream().map(a -> a.join().getHeader().getRevision()).sorted().toList();

      assertThat(revisions).doesNotHaveDuplicates();
      assertThat(revisions.get(WRITES - 1) - revisions.get(0)).as("dense revisions").isEqualTo(WRITES - 1L);
      long entries = SHARED.cluster().node(via).stateMachine().appliedIndex().current() - entriesBefore;
      assertThat(entries).as("log entries for %d concurrent writes through %s", WRITES, via).isLessThan(WRITES);
      assertThat(SHARED.cluster().kv(via).getAll(GetAllRequest.newBuilder().setPrefix(prefix).build()).getCount())
          .isEqualTo(WRITES);
    }
  }

  private static CompletableFuture<PutResponse> putAsync(String node, String key, String value) {
    CompletableFuture<PutResponse> answer = new CompletableFuture<>();
    KvStoreGrpc.newStub(SHARED.cluster().channel(node)).withDeadlineAfter(30, TimeUnit.SECONDS)
        .put(put(key, value), new StreamObserver<>() {
          @Override
          public void onNext(PutResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return answer;
  }
}
