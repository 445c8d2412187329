package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.EventType;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import dev.kvstore.testing.SilentEndpoint;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KvClientWatchTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();
  private final RecordingListener listener = new RecordingListener();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private FakeKvServer node(String id) {
    return cluster.node(id);
  }

  private KvClient client(String... endpoints) {
    KvClient client = KvClient.builder()
        .endpoints(List.of(endpoints))
        .attemptTimeout(Duration.ofMillis(500))
        .build();
    return cluster.track(client);
  }

  private WatchSubscription watch(KvClient client, WatchOptions options) throws InterruptedException {
    WatchSubscription subscription = client.watch(options, listener);
    cluster.track(subscription);
    assertThat(subscription.awaitCreated(WAIT)).isTrue();
    return subscription;
  }

  private void put(String key, String value) {
    store.put(key, ByteString.copyFromUtf8(value), null);
  }

  private static WatchResponse event(String key, long revision) {
    return WatchResponse.newBuilder().setType(EventType.PUT).setKey(key).setRevision(revision).build();
  }

  @Test
  void aWatchMovesOnFromANodeThatNeverFinishesItsHandshakeAfterTheConnectTimeout() throws Exception {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    FakeKvServer live = node("n2");
    Duration attemptTimeout = Duration.ofSeconds(8);
    KvClient client = cluster.track(KvClient.builder()
        .endpoints(List.of(paused.endpoint(), live.endpoint()))
        .attemptTimeout(attemptTimeout)
        .connectTimeout(Duration.ofMillis(200))
        .build());

    WatchSubscription subscription = cluster.track(client.watch(WatchOptions.forKey("k"), listener));

    // Registration time is counted only once connected: the paused node costs the connect
    // timeout, far less than the attempt timeout a stream waiting there would have used.
    assertThat(subscription.awaitCreated(attemptTimeout.dividedBy(2))).isTrue();
    assertThat(live.openWatches()).isEqualTo(1);
  }

  @Test
  void deliversChangesAfterRegistrationInOrderOnTheCallbackThreads() throws Exception {
    put("k", "before");
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());

    WatchSubscription subscription = watch(client, WatchOptions.forKey("k"));
    put("k", "a");
    put("other", "x");
    store.delete("k", null);

    await().atMost(WAIT).until(() -> listener.events.size() == 2);
    assertThat(subscription.createdRevision()).hasValue(1);
    assertThat(listener.events).extracting(WatchResponse::getType, WatchResponse::getRevision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(EventType.PUT, 2L),
            org.assertj.core.groups.Tuple.tuple(EventType.DELETE, 4L));
    assertThat(listener.events.get(0).getValue().toStringUtf8()).isEqualTo("a");
    assertThat(listener.threads).allMatch(name -> name.startsWith("kvstore-client-callback"));
  }

  @Test
  void aListenerThatBlocksHoldsUpOnlyItsOwnWatch() throws Exception {
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());
    CountDownLatch release = new CountDownLatch(1);
    List<WatchResponse> blockedEvents = new CopyOnWriteArrayList<>();
    WatchSubscription blocked = cluster.track(client.watch(WatchOptions.forKey("slow"), WatchListener.of(event -> {
      blockedEvents.add(event);
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, error -> { })));
    assertThat(blocked.awaitCreated(WAIT)).isTrue();
    watch(client, WatchOptions.forKey("fast"));

    put("slow", "1");
    put("slow", "2");
    await().atMost(WAIT).until(() -> blockedEvents.size() == 1);
    put("fast", "a");
    put("fast", "b");

    await().atMost(WAIT).until(() -> listener.events.size() == 2);
    assertThat(blockedEvents).hasSize(1);
    release.countDown();
    await().atMost(WAIT).until(() -> blockedEvents.size() == 2);
    assertThat(blockedEvents).extracting(WatchResponse::getRevision).containsExactly(1L, 2L);
  }

  @Test
  void prefixWatchFromARevisionReplaysHistoryFirst() throws Exception {
    put("p/a", "1");
    put("q", "2");
    put("p/b", "3");
    FakeKvServer server = node("n1");
    KvClient client = client(server.endpoint());

    watch(client, WatchOptions.forPrefix("p/").fromRevision(1));
    put("p/c", "4");

    await().atMost(WAIT).until(() -> listener.events.size() == 3);
    assertThat(listener.revisions()).containsExactly(1L, 3L, 4L);
  }

  @Test
  void resumesOnAnotherNodeAfterTheStreamDiesWithoutDuplicates() throws Exception {
    FakeKvServer first = node("n1");
    FakeKvServer second = node("n2");
    KvClient client = client(first.endpoint(), second.endpoint());
    watch(client, WatchOptions.forKey("k"));
    put("k", "1");
    put("k", "2");
    await().atMost(WAIT).until(() -> listener.events.size() == 2);

    first.kill();

    await().atMost(WAIT).until(() -> second.openWatches() == 1);
    assertThat(second.<WatchRequest>requests("Watch").get(0).getStartRevision()).isEqualTo(3);
    // A node that replays what was already delivered, and an event out of order, are both dropped.
    second.sendToWatchers(event("k", 2));
    second.sendToWatchers(event("k", 1));
    put("k", "3");
    await().atMost(WAIT).until(() -> listener.events.size() >= 3);
    put("k", "4");
    await().atMost(WAIT).until(() -> listener.events.size() >= 4);

    assertThat(listener.revisions()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void everyChangeOfARevisionIsDeliveredAndABreakInsideOneResumesFromItWithoutRepeats() throws Exception {
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    watch(client, WatchOptions.forPrefix("t/"));
    only.sendToWatchers(event("t/a", 5).toBuilder().setRevisionContinues(true).build());
    only.sendToWatchers(event("t/b", 5).toBuilder().setRevisionContinues(true).build());
    await().atMost(WAIT).until(() -> listener.events.size() == 2);

    only.breakWatches(Status.UNAVAILABLE);
    await().atMost(WAIT).until(() -> only.<WatchRequest>requests("Watch").size() == 2);
    assertThat(only.<WatchRequest>requests("Watch").get(1).getStartRevision()).as("from the revision begun")
        .isEqualTo(5);
    await().atMost(WAIT).until(() -> only.openWatches() == 1);
    only.sendToWatchers(event("t/a", 5).toBuilder().setRevisionContinues(true).build());
    only.sendToWatchers(event("t/b", 5).toBuilder().setRevisionContinues(true).build());
    only.sendToWatchers(event("t/c", 5));
    only.sendToWatchers(event("t/d", 6));
    await().atMost(WAIT).until(() -> listener.events.size() >= 4);

    assertThat(listener.events).extracting(WatchResponse::getKey).containsExactly("t/a", "t/b", "t/c", "t/d");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void changesMadeWhileDisconnectedAreReplayedFromTheNextRevision() throws Exception {
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    watch(client, WatchOptions.forKey("k"));
    put("k", "1");
    await().atMost(WAIT).until(() -> listener.events.size() == 1);

    only.failNext("Watch", Status.UNAVAILABLE.withDescription("no leader"));
    only.breakWatches(Status.RESOURCE_EXHAUSTED.withDescription("watcher fell behind"));
    put("k", "2");
    put("k", "3");

    await().atMost(WAIT).until(() -> listener.events.size() == 3);
    assertThat(listener.revisions()).containsExactly(1L, 2L, 3L);
    List<WatchRequest> requests = only.requests("Watch");
    assertThat(requests).extracting(WatchRequest::getStartRevision).containsExactly(0L, 2L, 2L);
  }

  @Test
  void resumesFromTheCreatedRevisionWhenNothingWasDeliveredYet() throws Exception {
    put("k", "1");
    put("k", "2");
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    WatchSubscription subscription = watch(client, WatchOptions.forKey("k"));

    only.breakWatches(Status.UNAVAILABLE);

    await().atMost(WAIT).until(() -> only.<WatchRequest>requests("Watch").size() == 2);
    assertThat(only.<WatchRequest>requests("Watch").get(1).getStartRevision()).isEqualTo(3);
    assertThat(subscription.createdRevision()).hasValue(2);
    assertThat(listener.events).isEmpty();
  }

  @Test
  void registrationThatHangsMovesToTheNextNode() throws Exception {
    FakeKvServer hanging = node("n1").hangAll();
    FakeKvServer live = node("n2");
    KvClient client = client(hanging.endpoint(), live.endpoint());

    watch(client, WatchOptions.forKey("k"));
    put("k", "1");

    await().atMost(WAIT).until(() -> listener.events.size() == 1);
    assertThat(hanging.<WatchRequest>requests("Watch")).hasSize(1);
  }

  @Test
  void aNodeWithoutTheHistoryIsSkippedWhenAnotherHasIt() throws Exception {
    FakeKvServer first = node("n1");
    FakeKvServer second = node("n2");
    KvClient client = client(first.endpoint(), second.endpoint());
    watch(client, WatchOptions.forKey("k"));
    put("k", "1");
    await().atMost(WAIT).until(() -> listener.events.size() == 1);

    // n1 drops the stream; n2, next in line, restarted and lost its history; n1 still has it
    second.failNext("Watch", Status.OUT_OF_RANGE.withDescription("revision 2 is no longer retained on this node"));
    first.breakWatches(Status.UNAVAILABLE);
    put("k", "2");

    await().atMost(WAIT).until(() -> listener.events.size() == 2);
    assertThat(listener.errors).isEmpty();
    assertThat(listener.revisions()).containsExactly(1L, 2L);
  }

  @Test
  void compactedHistoryEndsTheWatchWithAnError() throws Exception {
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    watch(client, WatchOptions.forKey("k"));
    put("k", "1");
    await().atMost(WAIT).until(() -> listener.events.size() == 1);

    // While the watcher is cut off, revision 2 is written and compacted away.
    only.failAll(Status.UNAVAILABLE.withDescription("no leader"));
    only.breakWatches(Status.UNAVAILABLE);
    put("k", "2");
    store.compact(2);
    only.failAll(null);

    await().atMost(WAIT).until(() -> listener.errors.size() == 1);
    KvClientException error = listener.errors.get(0);
    assertThat(error.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
    assertThat(error.getMessage()).contains("compacted").contains(only.endpoint());
    assertThat(listener.revisions()).containsExactly(1L);
    await().atMost(WAIT).until(() -> only.openWatches() == 0);
    assertThat(only.<WatchRequest>requests("Watch")).last()
        .extracting(WatchRequest::getStartRevision).isEqualTo(2L);
  }

  @Test
  void invalidArgumentIsTerminal() {
    FakeKvServer only = node("n1").failNext("Watch", Status.INVALID_ARGUMENT.withDescription("bad key"));
    KvClient client = client(only.endpoint());

    WatchSubscription subscription = cluster.track(client.watch(WatchOptions.forKey("k"), listener));

    await().atMost(WAIT).until(() -> listener.errors.size() == 1);
    assertThat(listener.errors.get(0).code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(subscription.createdRevision()).isEmpty();
    assertThat(only.<WatchRequest>requests("Watch")).hasSize(1);
  }

  @Test
  void closeCancelsTheStreamAndDeliversNothingMore() throws Exception {
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    WatchSubscription subscription = watch(client, WatchOptions.forKey("k"));
    assertThat(only.openWatches()).isEqualTo(1);

    subscription.close();

    await().atMost(WAIT).until(() -> only.openWatches() == 0);
    put("k", "1");
    only.breakWatches(Status.UNAVAILABLE);
    assertThat(only.<WatchRequest>requests("Watch")).hasSize(1);
    assertThat(listener.events).isEmpty();
    assertThat(listener.errors).isEmpty();
    assertThat(subscription.awaitCreated(Duration.ZERO)).isTrue();
  }

  @Test
  void closingTheClientClosesItsWatches() throws Exception {
    FakeKvServer only = node("n1");
    KvClient client = client(only.endpoint());
    watch(client, WatchOptions.forPrefix(""));

    client.close();

    await().atMost(WAIT).until(() -> only.openWatches() == 0);
    assertThatThrownBy(() -> client.watch(WatchOptions.forKey("k"), listener))
        .isInstanceOf(IllegalStateException.class);
  }

  /** Keeps what a watch delivered, and on which threads. */
  private static final class RecordingListener implements WatchListener {
    final List<WatchResponse> events = new CopyOnWriteArrayList<>();
    final List<KvClientException> errors = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(WatchResponse event) {
      threads.add(Thread.currentThread().getName());
      events.add(event);
    }

    @Override
    public void onError(KvClientException error) {
      errors.add(error);
    }

    List<Long> revisions() {
      return events.stream().map(WatchResponse::getRevision).toList();
    }
  }
}
