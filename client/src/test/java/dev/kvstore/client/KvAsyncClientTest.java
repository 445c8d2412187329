package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KvAsyncClientTest {

  // Generous: these tests are about outcomes, not speed, on a loaded 2-core machine.
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient client(String... endpoints) {
    return cluster.track(KvClient.builder().endpoints(List.of(endpoints)).build());
  }

  private static KvClientException failure(CompletableFuture<?> future) {
    assertThat(future).failsWithin(WITHIN);
    Throwable cause = catchThrowableOfType(CompletionException.class, future::join).getCause();
    assertThat(cause).isInstanceOf(KvClientException.class);
    return (KvClientException) cause;
  }

  @Test
  void pipelinedPutsAllLandOnceWithTheirOwnRequestIds() {
    FakeKvServer node = cluster.node("n1");
    KvAsyncClient async = client(node.endpoint()).async();

    List<CompletableFuture<PutResponse>> puts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      puts.add(async.put("k" + i, "v" + i));
    }
    assertThat(CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new))).succeedsWithin(WITHIN);

    assertThat(puts).allSatisfy(put -> assertThat(put.join().getSuccess()).isTrue());
    // A busy machine may make an attempt time out and be retried: a retry carries its put's id.
    List<PutRequest> received = node.requests("Put");
    assertThat(received).hasSizeGreaterThanOrEqualTo(200);
    assertThat(received.stream().map(request -> request.getRequestId().getSequence()).distinct())
        .hasSize(200)
        .allSatisfy(sequence -> assertThat(sequence).isBetween(1L, 200L));
    assertThat(received.stream().collect(java.util.stream.Collectors.groupingBy(
        request -> request.getRequestId().getSequence(),
        java.util.stream.Collectors.mapping(PutRequest::getKey, java.util.stream.Collectors.toSet()))))
        .as("every attempt under one id is the same put").allSatisfy((sequence, keys) -> assertThat(keys).hasSize(1));
    for (int i = 0; i < 200; i++) {
      String value = "v" + i;
      assertThat(store.get("k" + i)).hasValueSatisfying(kv -> assertThat(kv.getValue().toStringUtf8()).isEqualTo(value));
    }
  }

  @Test
  void anAsyncWriteFailsOverWithTheSameRequestId() {
    FakeKvServer first = cluster.node("n1").failNext("Put", Status.UNAVAILABLE.withDescription("no leader"));
    FakeKvServer second = cluster.node("n2");
    KvAsyncClient async = client(first.endpoint(), second.endpoint()).async();

    assertThat(async.put("k", "v")).succeedsWithin(WITHIN);

    PutRequest onFirst = first.<PutRequest>requests("Put").get(0);
    PutRequest onSecond = second.<PutRequest>requests("Put").get(0);
    assertThat(onSecond.getRequestId()).isEqualTo(onFirst.getRequestId());
    assertThat(store.get("k")).isPresent();
  }

  @Test
  void anAsyncReadFailsOverFromADeadEndpoint() {
    FakeKvServer live = cluster.node("n2");
    KvClient client = client(FakeKvServer.deadEndpoint(), live.endpoint());
    client.put("k", "v");

    CompletableFuture<GetResponse> get = client.async().get("k", ReadConsistency.SERIALIZABLE);

    assertThat(get).succeedsWithin(WITHIN);
    assertThat(get.join().getValue().toStringUtf8()).isEqualTo("v");
  }

  @Test
  void aRefusedCallFailsWithTheExceptionTheBlockingCallThrows() {
    Status refusal = Status.FAILED_PRECONDITION.withDescription("request id reused");
    FakeKvServer node = cluster.node("n1").failNext("Put", refusal).failNext("Put", refusal);
    KvClient client = client(node.endpoint());

    KvClientException blocking = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));
    KvClientException async = failure(client.async().put("k", "v"));

    assertThat(async.code()).isEqualTo(blocking.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(async.getMessage()).isEqualTo(blocking.getMessage()).contains("request id reused");
    assertThat(async.outcomeUnknown()).isEqualTo(blocking.outcomeUnknown()).isFalse();
  }

  @Test
  void aCallNoNodeAnswersFailsWithDeadlineExceededAndAnUnknownOutcome() {
    FakeKvServer hanging = cluster.node("n1").hangAll();
    KvClient client = cluster.track(KvClient.builder()
        .endpoints(List.of(hanging.endpoint()))
        .requestTimeout(Duration.ofMillis(600))
        .attemptTimeout(Duration.ofMillis(200))
        .build());

    KvClientException e = failure(client.async().put("k", "v"));

    assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.outcomeUnknown()).isTrue();
    assertThat(e.getMessage()).contains("no endpoint answered within 600ms");
  }

  @Test
  void aRequestOverALimitFailsWithoutBeingSent() {
    FakeKvServer node = cluster.node("n1");
    KvAsyncClient async = client(node.endpoint()).async();

    KvClientException e = failure(async.put("k".repeat(4097), "v"));

    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).isEqualTo("Put not sent: INVALID_ARGUMENT (key is 4097 bytes; the maximum is 4096 bytes of UTF-8)");
    assertThat(node.requests("Put")).isEmpty();
  }

  @Test
  void callsAfterCloseFailWithIllegalState() {
    FakeKvServer node = cluster.node("n1");
    KvClient client = client(node.endpoint());
    client.close();

    CompletableFuture<GetResponse> get = client.async().get("k");

    assertThat(get).failsWithin(WITHIN).withThrowableThat().havingCause().isInstanceOf(IllegalStateException.class);
  }

  @Test
  void callbacksRunOnTheClientsCallbackThreadsAndMayCallTheClientBlockingly() {
    FakeKvServer node = cluster.node("n1");
    KvClient client = client(node.endpoint());
    AtomicReference<String> thread = new AtomicReference<>();

    CompletableFuture<String> chained = client.async().put("k", "v")
        .thenApply(put -> {
          thread.set(Thread.currentThread().getName());
          return client.get("k").getValue().toStringUtf8();
        });

    assertThat(chained).succeedsWithin(WITHIN).isEqualTo("v");
    assertThat(thread.get()).isEqualTo("kvstore-client-callback");
  }

  @Test
  void aGivenCallbackExecutorCompletesTheFutures() {
    FakeKvServer node = cluster.node("n1");
    ExecutorService mine = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "mine"));
    try {
      KvClient client = cluster.track(
          KvClient.builder().endpoints(List.of(node.endpoint())).callbackExecutor(mine).build());

      CompletableFuture<String> thread = client.async().get("k").thenApply(get -> Thread.currentThread().getName());

      assertThat(thread).succeedsWithin(WITHIN).isEqualTo("mine");
    } finally {
      mine.shutdownNow();
    }
  }

  @Test
  void cancellingTheFutureCancelsTheCallOnTheNode() {
    FakeKvServer hanging = cluster.node("n1").hangAll();
    KvClient client = client(hanging.endpoint());

    CompletableFuture<GetResponse> get = client.async().get("k");
    await().atMost(WITHIN).until(() -> !hanging.requests("Get").isEmpty());
    get.cancel(true);

    await().atMost(WITHIN).until(() -> hanging.cancelledCalls() == 1);
    assertThat(get).isCancelled();
  }

  @Test
  void anInterruptedBlockingWriteIsCancelledAndMayHaveApplied() throws Exception {
    FakeKvServer hanging = cluster.node("n1").hangAll();
    KvClient client = client(hanging.endpoint());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();

    Thread writer = new Thread(() -> {
      try {
        client.put("k", ByteString.copyFromUtf8("v"));
      } catch (RuntimeException e) {
        thrown.set(e);
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      }
    });
    writer.start();
    await().atMost(WITHIN).until(() -> !hanging.requests("Put").isEmpty());
    writer.interrupt();
    writer.join(WITHIN.toMillis());

    assertThat(thrown.get()).isInstanceOfSatisfying(KvClientException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.CANCELLED);
      assertThat(e.outcomeUnknown()).isTrue();
      assertThat(e.getMessage()).startsWith("Put interrupted");
    });
    assertThat(stillInterrupted.get()).isTrue();
    await().atMost(WITHIN).until(() -> hanging.cancelledCalls() == 1);
  }
}
