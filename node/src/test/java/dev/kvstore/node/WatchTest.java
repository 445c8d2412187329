package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KvStoreGrpc.KvStoreBlockingStub;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.api.WatchLimits;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Watches on one node see committed changes made through other nodes, in order, and clean up. */
class WatchTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(c -> c.withWatch(new WatchLimits(50)));

  private static KvStoreBlockingStub kv(String id) {
    return SHARED.cluster().kv(id);
  }

  /** Collects a watch stream asynchronously. */
  private static final class Collector implements StreamObserver<WatchResponse> {
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();

    @Override
    public void onNext(WatchResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {
      error.set(new IllegalStateException("watch stream completed"));
    }

    List<WatchResponse> events() {
      return responses.stream().filter(r -> !r.getCreated()).toList();
    }
  }

  private static Collector watch(String id, WatchRequest request, Context.CancellableContext context) {
    Collector c = new Collector();
    context.run(() -> KvStoreGrpc.newStub(SHARED.cluster().channel(id)).watch(request, c));
    await().atMost(Duration.ofSeconds(10)).until(() -> !c.responses.isEmpty() || c.error.get() != null);
    assertThat(c.responses.get(0).getCreated()).isTrue();
    return c;
  }

  @Test
  void watchOnOneNodeSeesChangesMadeThroughOthersInRevisionOrder() {
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Collector c = watch("n1", WatchRequest.newBuilder().setKey("watched").build(), ctx);
      long created = c.responses.get(0).getHeader().getRevision();
      kv("n2").put(put("watched", "1"));
      kv("n3").put(put("unrelated", "x"));
      kv("n3").put(put("watched", "2"));
      kv("n2").delete(DeleteRequest.newBuilder().setKey("watched").build());

      await().atMost(Duration.ofSeconds(10)).until(() -> c.events().size() == 3);
      List<WatchResponse> events = c.events();
      assertThat(events).extracting(WatchResponse::getType).containsExactly(EventType.PUT, EventType.PUT, EventType.DELETE);
      assertThat(events).extracting(r -> r.getValue().toStringUtf8()).containsExactly("1", "2", "");
      assertThat(events.get(0).getRevision()).isGreaterThan(created);
      assertThat(events).extracting(WatchResponse::getRevision).isSorted().doesNotHaveDuplicates();
      assertThat(events.get(0).getMessage()).contains("watched").contains("'1'");
      assertThat(events.get(2).getMessage()).contains("deleted");
      assertThat(events.get(1).getKv().getVersion()).isEqualTo(2);
    }
  }

  @Test
  void aWatchThatOmitsValuesCarriesThemOnlyInKv() {
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Collector c = watch("n1", WatchRequest.newBuilder().setKey("watched-once").setOmitValue(true).build(), ctx);
      kv("n2").put(put("watched-once", "payload"));

      await().atMost(Duration.ofSeconds(10)).until(() -> c.events().size() == 1);
      WatchResponse event = c.events().get(0);
      assertThat(event.getValue()).isEmpty();
      assertThat(event.getKv().getValue().toStringUtf8()).isEqualTo("payload");
    }
  }

  @Test
  void prefixWatchFollowsEveryKeyUnderThePrefix() {
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Collector c = watch("n2", WatchRequest.newBuilder().setKey("dir/").setPrefix(true).build(), ctx);
      kv("n1").put(put("dir/a", "1"));
      kv("n1").put(put("dirt", "no"));
      kv("n3").put(put("dir/b/c", "2"));
      await().atMost(Duration.ofSeconds(10)).until(() -> c.events().size() == 2);
      assertThat(c.events()).extracting(WatchResponse::getKey).containsExactly("dir/a", "dir/b/c");
    }
  }

  @Test
  void aWatchResumedFromARevisionOnAnotherNodeHasNoGap() {
    long first = kv("n1").put(put("resume", "1")).getHeader().getRevision();
    kv("n2").put(put("resume", "2"));
    kv("n3").put(put("resume", "3"));
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Collector c = watch("n3", WatchRequest.newBuilder().setKey("resume").setStartRevision(first + 1).build(), ctx);
      await().atMost(Duration.ofSeconds(10)).until(() -> c.events().size() == 2);
      assertThat(c.events()).extracting(r -> r.getValue().toStringUtf8()).containsExactly("2", "3");
      kv("n1").put(put("resume", "4"));
      await().atMost(Duration.ofSeconds(10)).until(() -> c.events().size() == 3);
      assertThat(c.events().get(2).getValue().toStringUtf8()).isEqualTo("4");
    }
  }

  @Test
  void aRevisionOlderThanTheRetainedHistoryIsRefusedWithOutOfRange() {
    IntStream.range(0, 10).forEach(i -> kv("n1").put(put("churn/" + (i % 10), "v")));
    compactAll();
    Iterator<WatchResponse> stream = kv("n2").watch(WatchRequest.newBuilder().setKey("churn/1").setStartRevision(1).build());
    assertThatThrownBy(stream::next)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).contains("revision 1").contains("oldest revision");
        });
  }

  @Test
  void cancelledWatchesAreRemovedFromTheNode() {
    var hub = SHARED.cluster().node("n3").stateMachine().watchHub();
    // watches of earlier tests on this node are cancelled asynchronously: let them go first
    await().atMost(Duration.ofSeconds(10)).until(() -> hub.activeWatches() == 0);
    for (int i = 0; i < 20; i++) {
      try (Context.CancellableContext ctx = Context.current().withCancellation()) {
        watch("n3", WatchRequest.newBuilder().setKey("cancel-me-" + i).build(), ctx);
        assertThat(hub.activeWatches()).isPositive();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> hub.activeWatches() == 0);
  }

  @Test
  void aWatcherThatDoesNotReadIsCancelledWithResourceExhaustedAndOthersKeepGoing() {
    String big = "x".repeat(64 * 1024);
    // the counts below are this test's own watches only once earlier tests' ones are gone
    await().atMost(Duration.ofSeconds(10))
        .until(() -> SHARED.cluster().node("n1").stateMachine().watchHub().activeWatches() == 0);
    // A raw call that asks for one message and then stops reading: its events pile up on the node.
    AtomicReference<Status> closed = new AtomicReference<>();
    var call = startRawWatch(SHARED.cluster().channel("n1"), WatchRequest.newBuilder().setKey("flood").build(), closed);
    call.request(1);

    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Collector healthy = watch("n1", WatchRequest.newBuilder().setKey("flood").build(), ctx);
      var hub = SHARED.cluster().node("n1").stateMachine().watchHub();
      await().atMost(Duration.ofSeconds(5)).until(() -> hub.activeWatches() == 2);
      int watchesWithStuckOne = hub.activeWatches();
      for (int i = 0; i < 400 && hub.activeWatches() == watchesWithStuckOne; i++) {
        kv("n2").put(put("flood", big + i));
      }
      // the node dropped the stuck watcher while the healthy one kept receiving everything
      await().atMost(Duration.ofSeconds(10)).until(() -> hub.activeWatches() == watchesWithStuckOne - 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> healthy.events().size() == countFloodWrites());
      assertThat(healthy.error.get()).isNull();

      // once the stuck client reads again it gets what was sent, then the reason and where to resume
      call.request(Integer.MAX_VALUE);
      await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() != null);
      assertThat(closed.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(closed.get().getDescription()).contains("behind").contains("watch again from revision");
    }
  }

  @Test
  void aReplayOvertakenByHistoryEndsItsStreamWithOutOfRange() {
    String big = "y".repeat(16 * 1024);
    long first = kv("n2").put(put("overtaken", big + 0)).getHeader().getRevision();
    // 20 events with 16 KiB values (and as much again in their previous values) stay in history
    for (int i = 1; i < 20; i++) {
      kv("n2").put(put("overtaken", big + i));
    }
    for (int i = 0; i < 2 * dev.kvstore.statemachine.Watch.REPLAY_CHUNK_REVISIONS; i++) {
      kv("n1").put(put("overtaking/" + (i % 10), "v"));
    }
    // A small flow-control window: the replay stalls after a few events while the client does not read.
    var slowChannel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(SHARED.cluster().endpoint("n2"))
        .usePlaintext().initialFlowControlWindow(64 * 1024).build();
    try {
      AtomicReference<Status> closed = new AtomicReference<>();
      var call = startRawWatch(slowChannel,
          WatchRequest.newBuilder().setKey("overtaken").setStartRevision(first).build(), closed);
      call.request(2);
      // The replay reads the store a chunk of revisions at a time: a compaction past the first
      // chunk, while the client does not read, takes the rest away.
      await().atMost(Duration.ofSeconds(10)).until(() -> SHARED.cluster().node("n2").stateMachine().watchHub()
          .activeWatches() > 0);
      compactAll();
      call.request(Integer.MAX_VALUE);
      await().atMost(Duration.ofSeconds(20)).until(() -> closed.get() != null);
      assertThat(closed.get().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(closed.get().getDescription()).contains("replayed too slowly").contains("oldest revision");
    } finally {
      slowChannel.shutdownNow();
    }
  }

  /**
   * Compacts at the current revision and waits until every member applied it: the compaction is
   * answered once n1 applied it, and a test that then watches on another member must not race it.
   */
  private static void compactAll() {
    long current = kv("n1").get(Requests.get("churn/0")).getHeader().getRevision();
    kv("n1").compact(dev.kvstore.api.CompactRequest.newBuilder().setRevision(current).build());
    for (String id : List.of("n1", "n2", "n3")) {
      await().atMost(Duration.ofSeconds(10))
          .until(() -> SHARED.cluster().node(id).stateMachine().mvccView().compactedRevision() >= current);
    }
  }

  /**
   * Starts a watch call that asks for no messages yet, so the test controls when (and whether) the
   * client reads; the status the node ends it with lands in {@code closed}.
   */
  private static ClientCall<WatchRequest, WatchResponse> startRawWatch(
      Channel channel, WatchRequest request, AtomicReference<Status> closed) {
    var call = channel.newCall(KvStoreGrpc.getWatchMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.set(status);
      }
    }, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    return call;
  }

  private static long countFloodWrites() {
    return kv("n1").get(Requests.get("flood")).getKv().getVersion();
  }
}
