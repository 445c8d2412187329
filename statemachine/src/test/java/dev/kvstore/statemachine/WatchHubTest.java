package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WatchHubTest {

  private final MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
  private WatchHub hub = new WatchHub(store, 8);

  private Event put(String key, String value) {
    Event e = StoreWrites.put(store, key, ByteString.copyFromUtf8(value));
    hub.publish(e);
    return e;
  }

  private void delete(String key) {
    StoreWrites.delete(store, key).ifPresent(hub::publish);
  }

  private static List<Event> drain(Watch w) {
    List<Event> out = new ArrayList<>();
    for (Event e; (e = w.poll()) != null; ) {
      out.add(e);
    }
    return out;
  }

  private static List<String> describe(List<Event> events) {
    return events.stream()
        .map(e -> e.type() + " " + e.key() + "=" + e.kv().value().toStringUtf8() + "@" + e.revision())
        .toList();
  }

  private Watch watch(WatchFilter filter, long start) throws RevisionCompactedException {
    return hub.watch(filter, start, () -> { });
  }

  private void commit(WriteTxn txn) {
    txn.end();
    hub.publish(txn.events());
  }

  @Test
  void theChangesOfOneRevisionArriveTogetherAndCountAsOneQueuedEntry() throws Exception {
    hub = new WatchHub(store, 2);
    Watch w = watch(WatchFilter.prefix("t/"), 0);
    for (int r = 0; r < 2; r++) {
      WriteTxn txn = store.write();
      for (int i = 0; i < 5; i++) {
        txn.put("t/" + i, ByteString.copyFromUtf8("v" + r));
      }
      txn.put("other", ByteString.copyFromUtf8("x" + r));
      commit(txn);
    }
    assertThat(w.cancellation()).as("two revisions fit a queue of two").isEmpty();
    List<Event> first = w.pollRevision();
    assertThat(first).hasSize(5).allSatisfy(e -> assertThat(e.revision()).isEqualTo(1));
    assertThat(w.lastPolledRevision()).isEqualTo(1);
    assertThat(w.pollRevision()).extracting(Event::key).containsExactly("t/0", "t/1", "t/2", "t/3", "t/4");
    assertThat(w.pollRevision()).isEmpty();
  }

  @Test
  void aReplayedTransactionIsNotSplitEither() throws Exception {
    WriteTxn txn = store.write();
    txn.put("a", ByteString.copyFromUtf8("1"));
    txn.put("b", ByteString.copyFromUtf8("1"));
    commit(txn);
    put("c", "1");
    Watch w = watch(WatchFilter.prefix(""), 1);
    assertThat(w.pollRevision()).extracting(Event::key).containsExactly("a", "b");
    assertThat(w.pollRevision()).extracting(Event::key).containsExactly("c");
  }

  @Test
  void anIntervalWatchSeesTheKeysOfItsInterval() throws Exception {
    Watch w = watch(new WatchFilter(KeyRange.interval("b", "d")), 0);
    Watch open = watch(new WatchFilter(KeyRange.interval("c", null)), 0);
    for (String key : List.of("a", "b", "bz", "c", "d", "zz")) {
      put(key, "1");
    }
    assertThat(drain(w)).extracting(Event::key).containsExactly("b", "bz", "c");
    assertThat(drain(open)).extracting(Event::key).containsExactly("c", "d", "zz");
    w.close();
    open.close();
    assertThat(hub.activeWatches()).isZero();
  }

  @Test
  void progressIsTheLatestRevisionOnceAWatchHasPolledEverything() throws Exception {
    Watch w = watch(WatchFilter.exact("k"), 0);
    put("k", "1");
    put("other", "x");
    assertThat(hub.progress(w)).as("an event waits").isEqualTo(-1);
    drain(w);
    assertThat(hub.progress(w)).isEqualTo(2);
    put("other", "y");
    assertThat(hub.progress(w)).as("nothing for it at revision 3").isEqualTo(3);
  }

  @Test
  void exactWatchSeesOnlyItsKeyInRevisionOrder() throws Exception {
    Watch w = watch(WatchFilter.exact("k"), 0);
    put("k", "1");
    put("other", "x");
    put("k", "2");
    delete("k");
    delete("k");
    assertThat(describe(drain(w))).containsExactly("PUT k=1@1", "PUT k=2@3", "DELETE k=@4");
  }

  @Test
  void prefixWatchSeesEveryKeyUnderThePrefix() throws Exception {
    Watch w = watch(WatchFilter.prefix("app/"), 0);
    Watch everything = watch(WatchFilter.prefix(""), 0);
    put("app/a", "1");
    put("apple", "x");
    put("app/b", "2");
    assertThat(describe(drain(w))).containsExactly("PUT app/a=1@1", "PUT app/b=2@3");
    assertThat(drain(everything)).hasSize(3);
  }

  @Test
  void watchStartsAfterTheRevisionItWasCreatedAt() throws Exception {
    put("k", "before");
    Watch w = watch(WatchFilter.exact("k"), 0);
    assertThat(w.createdRevision()).isEqualTo(1);
    put("k", "after");
    assertThat(describe(drain(w))).containsExactly("PUT k=after@2");
  }

  @Test
  void startRevisionReplaysHistoryThenContinuesLiveWithoutGapOrDuplicate() throws Exception {
    put("k", "1");
    put("x", "x");
    put("k", "2");
    Watch w = watch(WatchFilter.exact("k"), 1);
    put("k", "3");
    assertThat(describe(drain(w))).containsExactly("PUT k=1@1", "PUT k=2@3", "PUT k=3@4");
    put("k", "4");
    assertThat(describe(drain(w))).containsExactly("PUT k=4@5");
  }

  @Test
  void futureStartRevisionSkipsEarlierEvents() throws Exception {
    Watch w = watch(WatchFilter.exact("k"), 3);
    put("k", "1");
    put("k", "2");
    put("k", "3");
    assertThat(describe(drain(w))).containsExactly("PUT k=3@3");
  }

  @Test
  void startRevisionAtOrBelowTheCompactedOneIsRefusedWithTheOldestAvailable() throws Exception {
    for (int i = 1; i <= 5; i++) {
      put("k", "v" + i);
    }
    store.compact(2);
    assertThatThrownBy(() -> watch(WatchFilter.exact("k"), 2))
        .isInstanceOfSatisfying(RevisionCompactedException.class, e -> {
          assertThat(e.oldestAvailableRevision()).isEqualTo(3);
          assertThat(e.getMessage()).contains("revision 2").contains("3");
        });
    assertThat(describe(drain(watch(WatchFilter.exact("k"), 3)))).containsExactly("PUT k=v3@3", "PUT k=v4@4",
        "PUT k=v5@5");
  }

  @Test
  void replayReadsTheStoreInChunksAndKeepsEachRevisionsChangesTogether() throws Exception {
    int revisions = Watch.REPLAY_CHUNK_REVISIONS * 3 + 5;
    for (int i = 1; i <= revisions; i++) {
      WriteTxn txn = store.write();
      txn.put("a" + i, ByteString.copyFromUtf8("x"));
      txn.put("b" + i, ByteString.copyFromUtf8("y"));
      txn.end();
      hub.publish(txn.events());
    }
    List<Event> replayed = drain(watch(WatchFilter.prefix(""), 1));
    assertThat(replayed).hasSize(2 * revisions);
    for (int i = 0; i < replayed.size(); i++) {
      assertThat(replayed.get(i).revision()).isEqualTo(i / 2 + 1L);
      assertThat(replayed.get(i).key()).isEqualTo((i % 2 == 0 ? "a" : "b") + (i / 2 + 1));
    }
  }

  @Test
  void replayCarriesThePreviousEntryOfEachChange() throws Exception {
    put("k", "1");
    put("k", "2");
    delete("k");
    List<Event> replayed = drain(watch(WatchFilter.exact("k"), 1));
    assertThat(replayed).extracting(e -> e.prevKv() == null ? null : e.prevKv().value().toStringUtf8())
        .containsExactly(null, "1", "2");
  }

  @Test
  void aWatcherThatFallsBehindIsCancelledWithoutBlockingOthers() throws Exception {
    Watch slow = watch(WatchFilter.exact("k"), 0);
    Watch fast = watch(WatchFilter.exact("k"), 0);
    List<Event> fastSeen = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      put("k", "v" + i);
      fastSeen.addAll(drain(fast));
    }
    assertThat(fastSeen).hasSize(20);
    assertThat(fast.cancellation()).isEmpty();

    assertThat(slow.cancellation()).get().extracting(WatchCancellation::reason)
        .isEqualTo(WatchCancellation.Reason.OVERFLOW);
    // what was queued before the overflow is still delivered, so the client can resume exactly after it
    assertThat(describe(drain(slow))).hasSize(8).first().isEqualTo("PUT k=v1@1");
    assertThat(slow.lastPolledRevision()).isEqualTo(8);
    assertThat(slow.poll()).isNull();
    assertThat(hub.activeWatches()).isEqualTo(1);
  }

  @Test
  void observerIsToldOnceOfEveryWatchThatEndsWithItsReason() throws Exception {
    List<WatchCancellation.Reason> ended = new ArrayList<>();
    hub = new WatchHub(store, 1, new StateMachineObserver() {
      @Override
      public void watchEnded(WatchCancellation.Reason reason) {
        ended.add(reason);
      }
    });
    Watch closed = watch(WatchFilter.exact("a"), 0);
    watch(WatchFilter.exact("k"), 0);
    closed.close();
    closed.close();
    put("k", "1");
    put("k", "2");
    Watch shutDown = watch(WatchFilter.prefix(""), 0);
    hub.cancelAll(WatchCancellation.Reason.SHUTDOWN, "stopping");
    shutDown.close();
    assertThat(ended).containsExactly(WatchCancellation.Reason.CLOSED, WatchCancellation.Reason.OVERFLOW,
        WatchCancellation.Reason.SHUTDOWN);
  }

  @Test
  void signalsArriveForMatchingEventsOnly() throws Exception {
    AtomicInteger signals = new AtomicInteger();
    hub.watch(WatchFilter.exact("k"), 0, signals::incrementAndGet);
    put("other", "1");
    put("k", "1");
    assertThat(signals).hasValue(1);
  }

  @Test
  void aMillionWatchAndCancelCyclesLeaveNothingBehind() throws Exception {
    for (int i = 0; i < 1_000_000; i++) {
      Watch w = hub.watch(i % 2 == 0 ? WatchFilter.exact("key-" + (i % 1000)) : WatchFilter.prefix("p" + (i % 7)), 0,
          () -> { });
      if (i % 100_000 == 0) {
        put("key-" + (i % 1000), "v");
      }
      w.close();
    }
    assertThat(hub.activeWatches()).isZero();
    assertThat(hub.watchedKeys()).isZero();
    assertThat(hub.watchedPrefixes()).isZero();
  }

  @Test
  void amongTenThousandWatchesOnlyTheMatchingOnesAreSignalledAndGetTheEvent() throws Exception {
    int[] exactSignals = new int[10_000];
    int[] prefixSignals = new int[10_000];
    List<Watch> exact = new ArrayList<>();
    List<Watch> prefix = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      int n = i;
      exact.add(hub.watch(WatchFilter.exact(String.format("users/%05d", i)), 0, () -> exactSignals[n]++));
      prefix.add(hub.watch(WatchFilter.prefix(String.format("users/%05d/", i)), 0, () -> prefixSignals[n]++));
    }

    put("users/00042", "a");
    put("users/04242/name", "b");

    for (int i = 0; i < 10_000; i++) {
      assertThat(exactSignals[i]).as("signals of exact watch %d", i).isEqualTo(i == 42 ? 1 : 0);
      assertThat(prefixSignals[i]).as("signals of prefix watch %d", i).isEqualTo(i == 4242 ? 1 : 0);
    }
    assertThat(describe(drain(exact.get(42)))).containsExactly("PUT users/00042=a@1");
    assertThat(describe(drain(prefix.get(4242)))).containsExactly("PUT users/04242/name=b@2");
    assertThat(drain(exact.get(4242))).isEmpty();
    assertThat(drain(prefix.get(42))).isEmpty();
  }

  @Test
  void overlappingPrefixAndExactWatchesEachGetEveryMatchingEventOnceInOrder() throws Exception {
    Watch everything = watch(WatchFilter.prefix(""), 0);
    Watch app = watch(WatchFilter.prefix("app/"), 0);
    Watch appConfig = watch(WatchFilter.prefix("app/config/"), 0);
    Watch exact = watch(WatchFilter.exact("app/config/port"), 0);

    put("app/config/port", "80");
    put("app/name", "x");
    put("other", "y");
    put("app/config/port", "81");

    assertThat(describe(drain(everything))).hasSize(4);
    assertThat(describe(drain(app))).containsExactly(
        "PUT app/config/port=80@1", "PUT app/name=x@2", "PUT app/config/port=81@4");
    assertThat(describe(drain(appConfig))).containsExactly("PUT app/config/port=80@1", "PUT app/config/port=81@4");
    assertThat(describe(drain(exact))).containsExactly("PUT app/config/port=80@1", "PUT app/config/port=81@4");
  }

  @Test
  void anOverflowedPrefixWatchLeavesNoPrefixBehind() throws Exception {
    Watch slow = watch(WatchFilter.prefix("app/"), 0);
    for (int i = 1; i <= 9; i++) {
      put("app/k", "v" + i);
    }
    assertThat(slow.cancellation()).get().extracting(WatchCancellation::reason)
        .isEqualTo(WatchCancellation.Reason.OVERFLOW);
    assertThat(hub.activeWatches()).isZero();
    assertThat(hub.watchedPrefixes()).isZero();
  }

  @Test
  void cancelAllAndAResetWithoutHistoryLeaveNoKeyOrPrefixBehind() throws Exception {
    watch(WatchFilter.exact("k"), 0);
    watch(WatchFilter.prefix("p"), 0);
    hub.cancelAll(WatchCancellation.Reason.SHUTDOWN, "stopping");
    assertThat(hub.watchedKeys()).isZero();
    assertThat(hub.watchedPrefixes()).isZero();

    watch(WatchFilter.prefix("q"), 0);
    store.reset(List.of(), 10);
    hub.reset(10, WatchCancellation.Reason.RESET, "snapshot installed");
    assertThat(hub.activeWatches()).isZero();
    assertThat(hub.watchedPrefixes()).isZero();
  }

  @Test
  void closedWatchGetsNoMoreEvents() throws Exception {
    Watch w = watch(WatchFilter.exact("k"), 0);
    w.close();
    put("k", "1");
    assertThat(drain(w)).isEmpty();
    assertThat(w.cancellation()).get().extracting(WatchCancellation::reason).isEqualTo(WatchCancellation.Reason.CLOSED);
  }

  @Test
  void aSnapshotWithTheSkippedHistoryLetsWatchesGoOnWithoutAGap() throws Exception {
    put("k", "1");
    AtomicInteger signals = new AtomicInteger();
    Watch w = hub.watch(WatchFilter.prefix(""), 0, signals::incrementAndGet);
    put("k", "2");
    // What a leader's snapshot holds: the history this node missed, revisions 3-5, and the earlier ones.
    MvccStore leader = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    for (String value : List.of("1", "2", "3", "4")) {
      StoreWrites.put(leader, "k", ByteString.copyFromUtf8(value));
    }
    StoreWrites.put(leader, "other", ByteString.copyFromUtf8("x"));
    List<KeyValue> versions = new ArrayList<>();
    try (MvccStore.RevisionView view = leader.openView()) {
      view.versions().forEachRemaining(versions::add);
    }
    store.reset(versions, 5, 1);
    hub.reset(5, WatchCancellation.Reason.RESET, "snapshot installed");
    put("k", "5");

    assertThat(w.cancellation()).isEmpty();
    assertThat(signals.get()).isGreaterThanOrEqualTo(2);
    assertThat(describe(drain(w))).containsExactly("PUT k=2@2", "PUT k=3@3", "PUT k=4@4", "PUT other=x@5",
        "PUT k=5@6");
  }

  @Test
  void aSnapshotWithoutTheSkippedHistoryEndsEveryWatch() throws Exception {
    put("k", "1");
    AtomicInteger signals = new AtomicInteger();
    Watch w = hub.watch(WatchFilter.exact("k"), 0, signals::incrementAndGet);
    store.reset(List.of(), 50);
    hub.reset(50, WatchCancellation.Reason.RESET, "snapshot installed");
    assertThat(signals).hasValue(1);
    assertThat(w.cancellation()).get().extracting(WatchCancellation::message).isEqualTo("snapshot installed");
    assertThat(hub.activeWatches()).isZero();
    assertThat(hub.oldestReplayableRevision()).isEqualTo(51);
    assertThatThrownBy(() -> watch(WatchFilter.exact("k"), 50)).isInstanceOf(RevisionCompactedException.class);
  }

  @Test
  void replayThatIsOvertakenByCompactionEndsAsCompacted() throws Exception {
    for (int i = 1; i <= Watch.REPLAY_CHUNK_REVISIONS + 10; i++) {
      put("k", "v" + i);
    }
    Watch w = watch(WatchFilter.exact("k"), 1);
    assertThat(w.poll().revision()).isEqualTo(1);
    store.compact(Watch.REPLAY_CHUNK_REVISIONS + 5);
    assertThat(drain(w)).hasSize(Watch.REPLAY_CHUNK_REVISIONS - 1);
    assertThat(w.cancellation()).get().extracting(WatchCancellation::reason)
        .isEqualTo(WatchCancellation.Reason.COMPACTED);
    assertThat(w.cancellation().orElseThrow().message())
        .contains("revision " + (Watch.REPLAY_CHUNK_REVISIONS + 1))
        .contains("oldest revision that can be replayed is " + (Watch.REPLAY_CHUNK_REVISIONS + 6));
  }

  @Test
  void concurrentPublishAndPollDeliverEveryEventOnceInOrder() throws Exception {
    hub = new WatchHub(store, 100_000);
    Watch w = watch(WatchFilter.prefix(""), 0);
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 50_000; i++) {
        put("k" + (i % 10), "v" + i);
      }
    });
    publisher.start();
    List<Long> revisions = new ArrayList<>();
    while (revisions.size() < 50_000) {
      Event e = w.poll();
      if (e != null) {
        revisions.add(e.revision());
      } else {
        Thread.onSpinWait();
      }
    }
    publisher.join();
    for (int i = 0; i < revisions.size(); i++) {
      assertThat(revisions.get(i)).isEqualTo(i + 1L);
    }
  }
}
