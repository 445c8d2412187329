package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.EventType;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchCancelRequest;
import dev.kvstore.api.WatchCreateRequest;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.api.WatchFilterType;
import dev.kvstore.api.WatchGrpc;
import dev.kvstore.api.WatchProgressRequest;
import dev.kvstore.api.WatchStreamRequest;
import dev.kvstore.api.WatchStreamResponse;
import dev.kvstore.node.api.WatchLimits;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multiplexed Watch service: many watches on one stream, each with its own range, filters and progress. */
class WatchServiceTest {

  private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(300);

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(c -> c.withWatch(new WatchLimits(50, PROGRESS_INTERVAL)));

  /** One watch stream to a node, collecting what it receives. */
  private static final class Stream implements StreamObserver<WatchStreamResponse>, AutoCloseable {
    final List<WatchStreamResponse> responses = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final StreamObserver<WatchStreamRequest> requests;

    Stream(String node) {
      requests = WatchGrpc.newStub(SHARED.cluster().channel(node)).watch(this);
    }

    void create(WatchCreateRequest.Builder create) {
      requests.onNext(WatchStreamRequest.newBuilder().setCreateRequest(create).build());
    }

    /** Creates a watch and returns its id once the node confirmed it. */
    long created(WatchCreateRequest.Builder create) {
      int before = responses.size();
      create(create);
      WatchStreamResponse answer = await(r -> responses.indexOf(r) >= before && r.getCreated());
      assertThat(answer.getCanceled()).as("refused: %s", answer).isFalse();
      return answer.getWatchId();
    }

    WatchStreamResponse await(Predicate<WatchStreamResponse> wanted) {
      AtomicReference<WatchStreamResponse> found = new AtomicReference<>();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        assertThat(error.get()).isNull();
        responses.stream().filter(wanted).findFirst().ifPresent(found::set);
        return found.get() != null;
      });
      return found.get();
    }

    List<WatchEvent> events(long watchId) {
      return responses.stream().filter(r -> r.getWatchId() == watchId).flatMap(r -> r.getEventsList().stream())
          .toList();
    }

    @Override
    public void onNext(WatchStreamResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {
      error.set(new IllegalStateException("completed"));
    }

    @Override
    public void close() {
      requests.onError(Status.CANCELLED.asRuntimeException());
    }
  }

  private static WatchCreateRequest.Builder create(String key) {
    return WatchCreateRequest.newBuilder().setKey(key);
  }

  @Test
  void watchesOfKeysPrefixesAndIntervalsShareOneStream() {
    try (Stream stream = new Stream("n1")) {
      long exact = stream.created(create("ms/a"));
      long prefix = stream.created(create("ms/").setPrefix(true));
      long interval = stream.created(create("ms/b").setRangeEnd("ms/d"));
      assertThat(List.of(exact, prefix, interval)).doesNotHaveDuplicates();

      for (String key : List.of("ms/a", "ms/b", "ms/c", "ms/d")) {
        SHARED.cluster().kv("n2").put(put(key, "1"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(prefix).size() == 4);
      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(interval).size() == 2);
      assertThat(stream.events(exact)).extracting(e -> e.getKv().getKey()).containsExactly("ms/a");
      assertThat(stream.events(interval)).extracting(e -> e.getKv().getKey()).containsExactly("ms/b", "ms/c");
      assertThat(stream.events(prefix)).extracting(e -> e.getKv().getModRevision()).isSorted();
    }
  }

  @Test
  void filtersAndPreviousValuesAreAppliedPerWatch() {
    try (Stream stream = new Stream("n2")) {
      long deletesOnly = stream.created(create("fp").addFilters(WatchFilterType.NOPUT).setPrevKv(true));
      long putsOnly = stream.created(create("fp").addFilters(WatchFilterType.NODELETE));
      SHARED.cluster().kv("n1").put(put("fp", "1"));
      SHARED.cluster().kv("n1").put(put("fp", "2"));
      SHARED.cluster().kv("n1").delete(DeleteRequest.newBuilder().setKey("fp").build());

      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(deletesOnly).size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(putsOnly).size() == 2);
      WatchEvent deleted = stream.events(deletesOnly).get(0);
      assertThat(deleted.getType()).isEqualTo(EventType.DELETE);
      assertThat(deleted.getPrevKv().getValue().toStringUtf8()).isEqualTo("2");
      assertThat(stream.events(putsOnly)).allSatisfy(e -> assertThat(e.hasPrevKv()).isFalse());
    }
  }

  @Test
  void aWatchReplaysFromItsStartRevisionAndIsRefusedBeforeTheCompactedOne() {
    long first = SHARED.cluster().kv("n1").put(put("replay-ms", "1")).getHeader().getRevision();
    SHARED.cluster().kv("n1").put(put("replay-ms", "2"));
    try (Stream stream = new Stream("n3")) {
      long id = stream.created(create("replay-ms").setStartRevision(first));
      assertThat(stream.responses.get(0).getHeader().getRevision()).as("the revision it starts after")
          .isEqualTo(first - 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(id).size() == 2);
      assertThat(stream.events(id)).extracting(e -> e.getKv().getValue().toStringUtf8()).containsExactly("1", "2");

      long current = SHARED.cluster().kv("n1").put(put("replay-ms", "3")).getHeader().getRevision();
      SHARED.cluster().kv("n1").compact(CompactRequest.newBuilder().setRevision(current).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> SHARED.cluster().node("n3").stateMachine().watchHub()
          .oldestReplayableRevision() > current);
      stream.create(create("replay-ms").setStartRevision(first).setWatchId(77));
      WatchStreamResponse refused = stream.await(r -> r.getCreated() && r.getCanceled());
      assertThat(refused.getWatchId()).isEqualTo(-1);
      assertThat(refused.getCompactRevision()).isEqualTo(current);
      assertThat(refused.getCancelReason()).startsWith("OUT_OF_RANGE").contains(Long.toString(current + 1));
      // the stream and its other watch go on
      SHARED.cluster().kv("n1").put(put("replay-ms", "4"));
      await().atMost(Duration.ofSeconds(10)).until(() -> stream.events(id).size() == 4);
    }
  }

  @Test
  void badRequestsAreAnsweredOnTheStreamWithoutEndingIt() {
    try (Stream stream = new Stream("n1")) {
      long id = stream.created(create("bad").setWatchId(5));
      stream.create(create("other").setWatchId(5));
      WatchStreamResponse inUse = stream.await(r -> r.getCanceled() && r.getCancelReason().contains("already in use"));
      assertThat(inUse.getWatchId()).as("never the id of the live watch").isEqualTo(-1);
      assertThat(inUse.getCreated()).isTrue();
      stream.create(create("b").setRangeEnd("a").setWatchId(6));
      assertThat(stream.await(r -> r.getCanceled() && r.getCancelReason().contains("range_end")).getCancelReason())
          .startsWith("INVALID_ARGUMENT").contains("range_end must sort after key");
      stream.requests.onNext(WatchStreamRequest.newBuilder()
          .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(-2)).build());
      assertThat(stream.await(r -> r.getWatchId() == -2).getCancelReason()).startsWith("INVALID_ARGUMENT");
      stream.requests.onNext(WatchStreamRequest.newBuilder()
          .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(404)).build());
      assertThat(stream.await(r -> r.getWatchId() == 404).getCancelReason()).contains("no watch with id 404");

      stream.requests.onNext(WatchStreamRequest.newBuilder()
          .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build());
      stream.await(r -> r.getWatchId() == id && r.getCancelReason().contains("canceled by the client"));
      SHARED.cluster().kv("n1").put(put("bad", "after the cancel"));
      long progressBefore = stream.responses.size();
      stream.requests.onNext(WatchStreamRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance())
          .build());
      WatchStreamResponse progress = stream.await(r -> stream.responses.indexOf(r) >= progressBefore
          && r.getWatchId() == -1);
      assertThat(progress.getEventsCount()).isZero();
      assertThat(stream.events(id)).isEmpty();
    }
  }

  @Test
  void aStreamHoldsAtMostTheDocumentedNumberOfWatches() {
    try (Stream stream = new Stream("n2")) {
      for (int i = 0; i < RequestLimits.MAX_WATCHES_PER_STREAM; i++) {
        stream.create(create("many/" + i));
      }
      stream.create(create("one-too-many").setWatchId(1_000_000));
      WatchStreamResponse refused = stream.await(WatchStreamResponse::getCanceled);
      assertThat(refused.getWatchId()).isEqualTo(-1);
      assertThat(refused.getCancelReason()).startsWith("RESOURCE_EXHAUSTED").contains("1000");
      assertThat(stream.responses.stream().filter(r -> r.getCreated() && !r.getCanceled()).count())
          .isEqualTo(RequestLimits.MAX_WATCHES_PER_STREAM);
    }
  }

  @Test
  void anIdleWatchThatAskedForProgressLearnsHowCurrentItIs() {
    try (Stream stream = new Stream("n3")) {
      long quiet = stream.created(create("quiet-key").setProgressNotify(true));
      long other = SHARED.cluster().kv("n1").put(put("noise", "x")).getHeader().getRevision();
      WatchStreamResponse progress = stream.await(r -> r.getWatchId() == quiet && !r.getCreated()
          && r.getEventsCount() == 0 && r.getHeader().getRevision() >= other);
      assertThat(progress.getCanceled()).isFalse();
      assertThat(stream.events(quiet)).isEmpty();
    }
  }
}
