package dev.kvstore.failover;

import static org.awaitility.Awaitility.await;

import dev.kvstore.api.WatchEvent;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.RevisionListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.failover.store.RevisionChanges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watchers of every key through the Watch service, from a run's first revision, each keeping what it
 * received a revision at a time ({@link KvClient#watch(WatchOptions, RevisionListener)}). They live
 * through the faults, resuming on other nodes; their deliveries are checked against the store's
 * history, which a fresh watcher {@link #replay replays} from the store once the run is over.
 */
final class RevisionWatchers implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RevisionWatchers.class);

  private final long startRevision;
  private final Map<String, List<RevisionChanges>> deliveries = new LinkedHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final List<KvClient> clients = new ArrayList<>();
  private final List<WatchSubscription> watches = new ArrayList<>();

  /**
   * Starts {@code count} watchers of every key from {@code startRevision}, each with its own client
   * over all {@code endpoints}, connected as {@code access} says (it must be allowed to read every key).
   */
  RevisionWatchers(ClientAccess access, List<String> endpoints, long startRevision, int count) {
    this.startRevision = startRevision;
    for (int i = 0; i < count; i++) {
      String name = "revision-watcher-" + i;
      List<RevisionChanges> received = new CopyOnWriteArrayList<>();
      deliveries.put(name, received);
      KvClient client = access.builder(endpoints).build();
      clients.add(client);
      watches.add(client.watch(WatchOptions.forPrefix("").fromRevision(startRevision), listener(name, received, errors)));
    }
  }

  private static RevisionListener listener(String name, List<RevisionChanges> received, List<String> errors) {
    return new RevisionListener() {
      @Override
      public void onRevision(long revision, List<WatchEvent> events) {
        received.add(new RevisionChanges(revision, events));
      }

      @Override
      public void onError(KvClientException error) {
        errors.add(name + ": " + error.getMessage());
      }
    };
  }

  void awaitCreated(Duration limit) throws InterruptedException {
    for (WatchSubscription w : watches) {
      if (!w.awaitCreated(limit)) {
        throw new IllegalStateException("a revision watcher was not established within " + limit);
      }
    }
  }

  long startRevision() {
    return startRevision;
  }

  /** Waits (at most {@code limit}) until every watcher has delivered {@code revision}; late ones are left to the checks. */
  void awaitDelivered(long revision, Duration limit) {
    try {
      await().atMost(limit).until(() -> deliveries.values().stream().allMatch(d -> lastRevision(d) >= revision));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      LOG.warn("revision watchers did not all reach r{} within {}: {}", revision, limit, lastRevisions());
    }
  }

  private static long lastRevision(List<RevisionChanges> received) {
    return received.isEmpty() ? 0 : received.get(received.size() - 1).revision();
  }

  private Map<String, Long> lastRevisions() {
    Map<String, Long> last = new LinkedHashMap<>();
    deliveries.forEach((name, d) -> last.put(name, lastRevision(d)));
    return last;
  }

  /** What each watcher received so far, in order. */
  Map<String, List<RevisionChanges>> deliveries() {
    Map<String, List<RevisionChanges>> copy = new LinkedHashMap<>();
    deliveries.forEach((name, d) -> copy.put(name, List.copyOf(d)));
    return copy;
  }

  List<String> errors() {
    return List.copyOf(errors);
  }

  /**
   * The store's history from {@code startRevision} to {@code endRevision}, read back by a new
   * watcher that replays it from the store: the revisions as the store recorded them, whatever the
   * live watchers went through.
   */
  static List<RevisionChanges> replay(ClientAccess access, List<String> endpoints, long startRevision, long endRevision,
      Duration limit) throws InterruptedException {
    if (endRevision < startRevision) {
      return List.of();
    }
    List<RevisionChanges> history = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    try (KvClient client = access.builder(endpoints).build();
        WatchSubscription watch = client.watch(WatchOptions.forPrefix("").fromRevision(startRevision),
            listener("replay", history, errors))) {
      if (!watch.awaitCreated(limit)) {
        throw new IllegalStateException("the replay watch was not established within " + limit + ": " + errors);
      }
      await().atMost(limit).until(() -> !errors.isEmpty() || lastRevision(history) >= endRevision);
      if (!errors.isEmpty()) {
        throw new IllegalStateException("the replay of r" + startRevision + "..r" + endRevision + " failed: " + errors);
      }
    }
    return history.stream().filter(c -> c.revision() <= endRevision).toList();
  }

  @Override
  public void close() {
    watches.forEach(WatchSubscription::close);
    clients.forEach(KvClient::close);
  }
}
