package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.EventType;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.Op;
import dev.kvstore.client.RevisionListener;
import dev.kvstore.client.Txn;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.node.api.WatchLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client's watches through the Watch service, against a real cluster: options, progress, resumption. */
class RevisionWatchClientTest {

  @TempDir
  Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Records what a watch delivers. */
  private static final class Recorder implements RevisionListener {
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    final AtomicLong progress = new AtomicLong();
    final AtomicReference<KvClientException> error = new AtomicReference<>();

    @Override
    public void onRevision(long revision, List<WatchEvent> changes) {
      revisions.add(revision);
      events.addAll(changes);
    }

    @Override
    public void onProgress(long revision) {
      progress.set(revision);
    }

    @Override
    public void onError(KvClientException e) {
      error.set(e);
    }
  }

  @Test
  void anIntervalWatchWithPreviousValuesAndWithoutPutsSeesOnlyItsDeletes() throws Exception {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    try (KvClient client = KvClient.builder().endpoints(cluster.endpoints()).build()) {
      Recorder recorder = new Recorder();
      try (WatchSubscription watch = client.watch(WatchOptions.forInterval("b", "d").withPrevKv().withoutPuts(),
          recorder)) {
        assertThat(watch.awaitCreated(Duration.ofSeconds(10))).isTrue();
        for (String key : List.of("a", "b", "c", "d")) {
          client.put(key, "v");
        }
        for (String key : List.of("a", "b", "c", "d")) {
          client.delete(key);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.size() == 2);
        assertThat(recorder.events).extracting(e -> e.getKv().getKey()).containsExactly("b", "c");
        assertThat(recorder.events).allSatisfy(e -> {
          assertThat(e.getType()).isEqualTo(EventType.DELETE);
          assertThat(e.getPrevKv().getValue().toStringUtf8()).isEqualTo("v");
        });
        assertThat(recorder.error.get()).isNull();
      }
    }
  }

  @Test
  void theOriginalWatchDeliversEveryChangeOfATransaction() throws Exception {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    try (KvClient client = KvClient.builder().endpoints(cluster.endpoints()).build()) {
      List<WatchResponse> seen = new CopyOnWriteArrayList<>();
      try (WatchSubscription watch = client.watch(WatchOptions.forPrefix("tx/"),
          WatchListener.of(seen::add, error -> { }))) {
        assertThat(watch.awaitCreated(Duration.ofSeconds(10))).isTrue();
        long revision = client.txn(Txn.when().then(Op.put("tx/a", "1"), Op.put("tx/b", "2"), Op.put("tx/c", "3")))
            .getHeader().getRevision();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 3);
        assertThat(seen).extracting(WatchResponse::getKey).containsExactly("tx/a", "tx/b", "tx/c");
        assertThat(seen).extracting(WatchResponse::getRevision).containsOnly(revision);
        assertThat(seen).extracting(WatchResponse::getRevisionContinues).containsExactly(true, true, false);
      }
    }
  }

  @Test
  void aWatchResumesOnAnotherNodeWithoutAGapOrARepeatWhenItsNodeIsKilled() throws Exception {
    cluster = TestCluster.start(3, dir, c -> c.withWatch(new WatchLimits(1000, Duration.ofMillis(300))));
    String leader = cluster.awaitLeader();
    // The watch's first node is a follower, so that killing it leaves the cluster writable.
    String watched = cluster.otherThan(leader);
    List<String> endpoints = new ArrayList<>();
    endpoints.add(cluster.endpoint(watched));
    cluster.ids().stream().filter(id -> !id.equals(watched)).map(cluster::endpoint).forEach(endpoints::add);
    try (KvClient writer = KvClient.builder().endpoints(cluster.endpoints()).build();
        KvClient watcher = KvClient.builder().endpoints(endpoints).build()) {
      Recorder recorder = new Recorder();
      List<Long> written = new ArrayList<>();
      try (WatchSubscription watch = watcher.watch(WatchOptions.forPrefix("r/").withProgressNotify(), recorder)) {
        assertThat(watch.awaitCreated(Duration.ofSeconds(10))).isTrue();
        for (int i = 0; i < 20; i++) {
          written.add(writer.put("r/" + i, "v").getHeader().getRevision());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.revisions.size() == 20);
        assertThat(cluster.node(watched).stateMachine().watchHub().activeWatches()).as("watching on %s", watched)
            .isEqualTo(1);
        cluster.crashNode(watched);
        for (int i = 20; i < 40; i++) {
          written.add(writer.put("r/" + i, "v").getHeader().getRevision());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.revisions.size() >= 40);
        assertThat(recorder.revisions).containsExactlyElementsOf(written);
        long last = written.get(written.size() - 1);
        writer.put("elsewhere", "x");
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.progress.get() > last);
        assertThat(recorder.error.get()).isNull();
      }
    }
  }
}
