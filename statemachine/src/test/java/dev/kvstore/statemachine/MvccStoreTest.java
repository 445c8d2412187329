package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MvccStoreTest {

  /** Keeps every revision: no compaction but the ones a test asks for. */
  private final MvccStore store = new MvccStore(Long.MAX_VALUE);

  private static ByteString v(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private long put(String key, String value) {
    WriteTxn txn = store.write();
    txn.put(key, v(value));
    return txn.end();
  }

  private long delete(KeyRange range) {
    WriteTxn txn = store.write();
    txn.delete(range);
    return txn.end();
  }

  private String valueAt(String key, long revision) throws RevisionUnavailableException {
    return store.get(key, revision).map(kv -> kv.value().toStringUtf8()).orElse(null);
  }

  private List<String> keysAt(KeyRange range, long revision) throws RevisionUnavailableException {
    return store.range(range, revision, 0, Long.MAX_VALUE).kvs().stream().map(KeyValue::key).toList();
  }

  @Test
  void everyRevisionOfAKeyStaysReadable() throws Exception {
    assertThat(put("a", "1")).isEqualTo(1);
    assertThat(put("a", "2")).isEqualTo(2);
    assertThat(delete(KeyRange.key("a"))).isEqualTo(3);
    assertThat(put("a", "4")).isEqualTo(4);

    assertThat(valueAt("a", 1)).isEqualTo("1");
    assertThat(valueAt("a", 2)).isEqualTo("2");
    assertThat(valueAt("a", 3)).isNull();
    assertThat(valueAt("a", 4)).isEqualTo("4");
    assertThat(valueAt("a", 0)).as("0 is the current revision").isEqualTo("4");

    KeyValue second = store.get("a", 2).orElseThrow();
    assertThat(second.createRevision()).isEqualTo(1);
    assertThat(second.modRevision()).isEqualTo(2);
    assertThat(second.version()).isEqualTo(2);
    KeyValue recreated = store.get("a", 4).orElseThrow();
    assertThat(recreated.createRevision()).as("a deletion starts the key over").isEqualTo(4);
    assertThat(recreated.version()).isEqualTo(1);
  }

  @Test
  void aTransactionTakesOneRevisionForAllItsChanges() throws Exception {
    put("gone", "x");
    WriteTxn txn = store.write();
    assertThat(txn.revision()).isEqualTo(2);
    txn.put("a", v("1"));
    txn.put("b", v("1"));
    txn.delete(KeyRange.key("gone"));
    assertThat(store.currentRevision()).as("nothing visible before the end").isEqualTo(1);
    assertThat(store.get("a")).isEmpty();
    assertThat(txn.end()).isEqualTo(2);

    assertThat(txn.events()).extracting(Event::revision).containsOnly(2L);
    assertThat(keysAt(KeyRange.all(), 2)).containsExactly("a", "b");
    assertThat(keysAt(KeyRange.all(), 1)).containsExactly("gone");
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void aTransactionThatChangesNothingTakesNoRevision() throws Exception {
    put("a", "1");
    assertThat(delete(KeyRange.key("absent"))).isEqualTo(1);
    assertThat(delete(KeyRange.prefix("nothing/"))).isEqualTo(1);
    assertThat(store.currentRevision()).isEqualTo(1);
  }

  @Test
  void aKeyChangedTwiceInOneRevisionIsRefused() {
    WriteTxn txn = store.write();
    txn.put("a", v("1"));
    assertThatThrownBy(() -> txn.put("a", v("2"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"a\" is changed twice in revision 1");
    assertThatThrownBy(() -> txn.delete(KeyRange.prefix(""))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("changed twice");
  }

  @Test
  void oneTransactionAtATime() {
    WriteTxn first = store.write();
    assertThatThrownBy(store::write).isInstanceOf(IllegalStateException.class).hasMessageContaining("has not ended");
    first.end();
    assertThatThrownBy(() -> first.put("a", v("1"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has ended");
  }

  @Test
  void rangesCoverKeysPrefixesAndIntervalsAtAnyRevision() throws Exception {
    for (String key : List.of("a", "a/1", "a/2", "b", "c")) {
      put(key, "x");
    }
    long before = store.currentRevision();
    delete(KeyRange.interval("a/", "b"));

    assertThat(keysAt(KeyRange.prefix("a/"), before)).containsExactly("a/1", "a/2");
    assertThat(keysAt(KeyRange.prefix("a/"), 0)).isEmpty();
    assertThat(keysAt(KeyRange.interval("a/1", "c"), before)).containsExactly("a/1", "a/2", "b");
    assertThat(keysAt(KeyRange.interval("b", null), before)).containsExactly("b", "c");
    assertThat(keysAt(KeyRange.key("a"), 0)).containsExactly("a");
    assertThat(keysAt(KeyRange.all(), 0)).containsExactly("a", "b", "c");
    assertThat(keysAt(KeyRange.all(), 2)).as("revision 2 held two keys").containsExactly("a", "a/1");
  }

  @Test
  void aRangeCountsBeyondItsLimitAndItsBytes() throws Exception {
    for (int i = 0; i < 10; i++) {
      put("k" + i, "0123456789");
    }
    RangeResult limited = store.range(KeyRange.prefix("k"), 0, 3, Long.MAX_VALUE);
    assertThat(limited.kvs()).extracting(KeyValue::key).containsExactly("k0", "k1", "k2");
    assertThat(limited.count()).isEqualTo(10);
    assertThat(limited.more()).isTrue();
    assertThat(limited.revision()).isEqualTo(10);

    RangeResult small = store.range(KeyRange.prefix("k"), 5, 0, 1);
    assertThat(small.kvs()).as("one entry even when it alone exceeds the bytes").hasSize(1);
    assertThat(small.count()).isEqualTo(5);
    assertThatThrownBy(() -> store.range(KeyRange.all(), 0, -1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void revisionsOutsideTheRetainedOnesAreRefusedWithTheBounds() {
    put("a", "1");
    put("a", "2");
    assertThatThrownBy(() -> store.get("a", 3)).isInstanceOfSatisfying(FutureRevisionException.class,
        e -> assertThat(e.currentRevision()).isEqualTo(2));
    store.compact(2);
    assertThatThrownBy(() -> store.range(KeyRange.all(), 1, 0, Long.MAX_VALUE))
        .isInstanceOfSatisfying(RevisionCompactedException.class,
            e -> assertThat(e.oldestAvailableRevision()).isEqualTo(2));
    assertThatThrownBy(() -> store.get("a", -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void compactionKeepsWhatLaterRevisionsNeedAndDropsTheRest() throws Exception {
    put("a", "1");
    put("a", "2");
    put("b", "1");
    delete(KeyRange.key("b"));
    put("c", "1");
    put("a", "3");

    store.compact(5);

    assertThat(store.compactedRevision()).isEqualTo(5);
    assertThat(valueAt("a", 5)).isEqualTo("2");
    assertThat(valueAt("a", 6)).isEqualTo("3");
    assertThat(store.versionCount("a")).as("the version read at 5, and the newer one").isEqualTo(2);
    assertThat(store.versionCount("b")).as("deleted before the compacted revision: gone").isZero();
    assertThat(store.versionCount("c")).isEqualTo(1);
    assertThat(keysAt(KeyRange.all(), 5)).containsExactly("a", "c");

    assertThatThrownBy(() -> store.compact(5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already compacted");
    assertThatThrownBy(() -> store.compact(7)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("current revision is 6");
  }

  @Test
  void compactionTrimsABatchOfKeysPerTransaction() {
    int keys = 2 * MvccStore.TRIM_BATCH_KEYS + MvccStore.TRIM_BATCH_KEYS / 2;
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < keys; i++) {
        put(String.format("k%05d", i), "v" + round);
      }
    }
    store.compact(store.currentRevision());
    assertThat(keysWithHistory(keys)).isEqualTo(keys - MvccStore.TRIM_BATCH_KEYS);

    put("other", "1");
    assertThat(keysWithHistory(keys)).isEqualTo(keys - 2 * MvccStore.TRIM_BATCH_KEYS);
    put("other", "2");
    assertThat(keysWithHistory(keys)).isZero();
  }

  private long keysWithHistory(int keys) {
    return java.util.stream.IntStream.range(0, keys)
        .filter(i -> store.versionCount(String.format("k%05d", i)) > 1)
        .count();
  }

  @Test
  void anOpenViewKeepsItsRevisionThroughACompaction() throws Exception {
    put("a", "1");
    put("b", "1");
    MvccStore.RevisionView view = store.openView();
    put("a", "2");
    delete(KeyRange.key("b"));
    store.compact(4);

    List<String> values = new ArrayList<>();
    view.versions().forEachRemaining(kv -> values.add(kv.value().toStringUtf8()));
    assertThat(values).containsExactly("1", "1");
    assertThat(store.versionCount("b")).isEqualTo(2);

    view.close();
    put("c", "1");
    assertThat(store.versionCount("b")).as("dropped at the first write after the view closed").isZero();
    assertThat(store.versionCount("a")).isEqualTo(1);
  }

  /**
   * Writers move one unit at a time between two keys whose values always add up to 100; readers on
   * other threads must never see a sum other than 100, whatever revision they read.
   */
  @Test
  void readersOnOtherThreadsSeeWholeRevisionsOnly() throws Exception {
    WriteTxn init = store.write();
    init.put("x", v("50"));
    init.put("y", v("50"));
    init.end();
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService readers = Executors.newFixedThreadPool(2);
    List<Future<Integer>> checks = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      checks.add(readers.submit(() -> {
        int reads = 0;
        while (writing.get() || reads == 0) {
          RangeResult result = store.range(KeyRange.all(), 0, 0, Long.MAX_VALUE);
          int sum = result.kvs().stream().mapToInt(kv -> Integer.parseInt(kv.value().toStringUtf8())).sum();
          assertThat(sum).as("sum at revision %d", result.revision()).isEqualTo(100);
          if (reads % 16 == 0) {
            checkReplayedRevisionsAreWhole();
          }
          reads++;
        }
        return reads;
      }));
    }
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      for (int i = 0; i < 20_000 && System.nanoTime() < deadline; i++) {
        int x = Integer.parseInt(store.get("x").orElseThrow().value().toStringUtf8());
        int move = x > 0 && (i % 3 != 0) ? 1 : -1;
        WriteTxn txn = store.write();
        txn.put("x", v(Integer.toString(x - move)));
        txn.put("y", v(Integer.toString(100 - x + move)));
        txn.end();
        if (i % 500 == 499) {
          store.compact(store.currentRevision() - 10);
        }
      }
    } finally {
      writing.set(false);
    }
    for (Future<Integer> check : checks) {
      assertThat(check.get(10, TimeUnit.SECONDS)).isPositive();
    }
    readers.shutdown();
  }

  @Test
  void theStoreKeepsTheRevisionsItWasToldToAndCompactsInSteps() throws Exception {
    MvccStore keeping16 = new MvccStore(16);
    for (int i = 1; i <= 100; i++) {
      StoreWrites.put(keeping16, "k", v("v" + i));
      long compacted = keeping16.compactedRevision();
      if (i < 16 + 2) {
        assertThat(compacted).as("nothing to compact after write %d", i).isZero();
      } else {
        // Compacted in steps of 16 / 8 revisions: 16 or 17 revisions before the current one readable.
        assertThat(i - compacted).as("revisions readable after write %d", i).isBetween(16L, 17L);
      }
    }
    assertThat(keeping16.get("k", 100 - 16).orElseThrow().value().toStringUtf8()).isEqualTo("v84");
    assertThat(keeping16.versionCount("k")).isLessThanOrEqualTo(16 + 2);
    assertThatThrownBy(() -> new MvccStore(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aResetLoadsHistoryAndRefusesVersionsOutOfOrder() throws Exception {
    KeyValue a1 = new KeyValue("a", v("1"), 1, 1, 1);
    KeyValue a3 = new KeyValue("a", v("3"), 1, 3, 2);
    KeyValue bDeleted = new KeyValue("b", ByteString.EMPTY, 0, 4, 0);
    KeyValue b2 = new KeyValue("b", v("2"), 2, 2, 1);
    store.reset(List.of(a1, a3, b2, bDeleted), 4, 1);

    assertThat(store.size()).isEqualTo(1);
    assertThat(valueAt("a", 2)).isEqualTo("1");
    assertThat(valueAt("b", 3)).isEqualTo("2");
    assertThat(valueAt("b", 4)).isNull();
    assertThat(store.compactedRevision()).isEqualTo(1);

    assertThatThrownBy(() -> store.reset(List.of(a3, a1), 4, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ascending revision order");
    assertThatThrownBy(() -> store.reset(List.of(b2, a1), 4, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ascending key order");
    assertThatThrownBy(() -> store.reset(List.of(a1, a3), 2, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("above the store's revision 2");
    assertThatThrownBy(() -> store.reset(List.of(a1), 1, 2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void changesReplayEveryEventOfTheRetainedRevisionsInOrder() throws Exception {
    List<Event> made = new ArrayList<>();
    WriteTxn first = store.write();
    first.put("a", v("1"));
    first.put("b", v("1"));
    first.end();
    made.addAll(first.events());
    WriteTxn second = store.write();
    second.put("a", v("2"));
    second.end();
    made.addAll(second.events());
    WriteTxn third = store.write();
    third.delete(KeyRange.prefix(""));
    third.end();
    made.addAll(third.events());

    assertThat(store.changes(1, 3)).isEqualTo(made);
    assertThat(store.changes(2, 2)).isEqualTo(second.events());
    assertThat(store.changes(4, 3)).as("nothing after the current revision").isEmpty();
    assertThat(store.changes(3, 3)).extracting(Event::type).containsExactly(Event.Type.DELETE, Event.Type.DELETE);
    assertThat(store.changes(3, 3).get(0).prevKv().value().toStringUtf8()).isEqualTo("2");

    assertThatThrownBy(() -> store.changes(1, 4)).isInstanceOf(FutureRevisionException.class);
    store.compact(2);
    assertThatThrownBy(() -> store.changes(2, 3)).isInstanceOfSatisfying(RevisionCompactedException.class,
        e -> assertThat(e.oldestAvailableRevision()).isEqualTo(3));
    assertThat(store.changes(3, 3)).isEqualTo(third.events());
    assertThatThrownBy(() -> store.changes(0, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void changesSurviveASnapshotLoadInKeyOrderWithinARevision() throws Exception {
    WriteTxn txn = store.write();
    txn.put("b", v("1"));
    txn.put("a", v("1"));
    txn.end();
    StoreWrites.put(store, "a", v("2"));
    List<KeyValue> versions = new ArrayList<>();
    try (MvccStore.RevisionView view = store.openView()) {
      view.versions().forEachRemaining(versions::add);
    }

    MvccStore loaded = new MvccStore(Long.MAX_VALUE);
    loaded.reset(versions, store.currentRevision(), store.compactedRevision());

    assertThat(loaded.changes(1, 2)).extracting(e -> e.key() + "@" + e.revision())
        .containsExactly("a@1", "b@1", "a@2");
    assertThat(loaded.changes(2, 2).get(0).prevKv().value().toStringUtf8()).isEqualTo("1");
  }

  @Test
  void aStoreThatRetainsNoRevisionsHasNoChangesToReplay() throws Exception {
    MvccStore current = new MvccStore(0);
    StoreWrites.put(current, "a", v("1"));
    StoreWrites.put(current, "a", v("2"));
    assertThat(current.changes(3, 2)).isEmpty();
    assertThatThrownBy(() -> current.changes(2, 2)).isInstanceOf(RevisionCompactedException.class);
  }

  /** Each replayed revision of the moving-units test changed both keys, to values adding up to 100. */
  private void checkReplayedRevisionsAreWhole() {
    // The compacted revision first: it never passes the current one, so from <= to whatever the
    // writer does in between (read the other way round, a compaction in between made from > to).
    long from = Math.max(2, store.compactedRevision() + 1);
    long to = store.currentRevision();
    List<Event> events;
    try {
      events = store.changes(from, to);
    } catch (RevisionCompactedException passedMeanwhile) {
      return;
    } catch (RevisionUnavailableException e) {
      throw new AssertionError(e);
    }
    assertThat(events).hasSize((int) (2 * (to - from + 1)));
    for (int i = 0; i < events.size(); i += 2) {
      Event x = events.get(i);
      Event y = events.get(i + 1);
      assertThat(x.revision()).isEqualTo(y.revision());
      assertThat(Integer.parseInt(x.kv().value().toStringUtf8()) + Integer.parseInt(y.kv().value().toStringUtf8()))
          .as("replayed revision %d", x.revision()).isEqualTo(100);
      assertThat(x.prevKv()).as("previous entry of a change at %d", x.revision()).isNotNull();
    }
  }

  @Test
  void keyRangesRefuseEmptyShapes() {
    assertThatThrownBy(() -> KeyRange.key("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> KeyRange.interval("b", "a")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must sort after its start");
    assertThatThrownBy(() -> KeyRange.interval("a", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThat(KeyRange.interval("a", null).contains("zzz")).isTrue();
    assertThat(KeyRange.interval("a", "b").contains("b")).isFalse();
    assertThat(KeyRange.prefix("").contains("anything")).isTrue();
  }
  private List<String> scanned(KeyRange range, long revision, boolean descending) throws RevisionUnavailableException {
    List<String> keys = new ArrayList<>();
    store.scan(range, revision, descending, kv -> keys.add(kv.key()));
    return keys;
  }

  @Test
  void scanWalksARangeInEitherDirectionAtARevision() throws Exception {
    for (String key : List.of("a", "b", "b/1", "b/2", "b\uffff", "c")) {
      put(key, "1");
    }
    long before = put("b/0", "1");
    delete(KeyRange.key("b/1"));

    assertThat(scanned(KeyRange.prefix("b/"), 0, false)).containsExactly("b/0", "b/2");
    assertThat(scanned(KeyRange.prefix("b/"), 0, true)).containsExactly("b/2", "b/0");
    assertThat(scanned(KeyRange.prefix("b/"), before, true)).containsExactly("b/2", "b/1", "b/0");
    assertThat(scanned(KeyRange.prefix("b"), 0, true)).containsExactly("b\uffff", "b/2", "b/0", "b");
    assertThat(scanned(KeyRange.interval("a", "b/2"), 0, true)).containsExactly("b/0", "b", "a");
    assertThat(scanned(KeyRange.interval("b/2", null), 0, true)).containsExactly("c", "b\uffff", "b/2");
    assertThat(scanned(KeyRange.key("b"), 0, true)).containsExactly("b");
    assertThat(scanned(KeyRange.all(), 0, true)).containsExactly("c", "b\uffff", "b/2", "b/0", "b", "a");

    List<String> first = new ArrayList<>();
    store.scan(KeyRange.all(), 0, true, kv -> first.add(kv.key()) && first.size() < 2);
    assertThat(first).as("the visitor stops the walk").containsExactly("c", "b\uffff");
  }

  @Test
  void aDescendingPrefixScanFindsItsEndWhateverTheLastCodePoint() throws Exception {
    // A prefix's end raises its last code point: U+D7FF (whose successor is a surrogate), U+FFFF
    // (below the supplementary planes), and U+10FFFF (which cannot be raised, so the one before is).
    String max = new String(Character.toChars(Character.MAX_CODE_POINT));
    String supplementary = new String(Character.toChars(0x10000));
    List<String> keys = List.of("p\ud7ff", "p\ud7ffz", "p\ue000", "p\uffff", "p\uffffz", "p" + supplementary,
        "p" + max, "p" + max + "z", "q");
    for (String key : keys) {
      put(key, "1");
    }
    assertThat(scanned(KeyRange.prefix("p\ud7ff"), 0, true)).containsExactly("p\ud7ffz", "p\ud7ff");
    assertThat(scanned(KeyRange.prefix("p\uffff"), 0, true)).containsExactly("p\uffffz", "p\uffff");
    assertThat(scanned(KeyRange.prefix("p" + max), 0, true)).containsExactly("p" + max + "z", "p" + max);
    assertThat(scanned(KeyRange.prefix("p"), 0, false)).containsExactlyElementsOf(keys.subList(0, 8));
  }

  @Test
  void aStoreLoadedFromASnapshotDropsTheOlderVersionsOnceTheirSuccessorsAreCompacted() throws Exception {
    ByteString v = ByteString.copyFromUtf8("v");
    MvccStore loaded = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    loaded.reset(List.of(
        new KeyValue("a", v, 3, 3, 1), new KeyValue("a", v, 3, 8, 2),
        new KeyValue("b", v, 4, 4, 1), new KeyValue("b", ByteString.EMPTY, 0, 9, 0)), 10, 5);
    loaded.compact(7);
    StoreWrites.put(loaded, "c", v);
    assertThat(loaded.versionCount("a")).as("the version read at 7, and the newer one").isEqualTo(2);
    loaded.compact(10);
    StoreWrites.put(loaded, "c", v);
    assertThat(loaded.versionCount("a")).isEqualTo(1);
    assertThat(loaded.versionCount("b")).as("deleted at 9").isZero();
    assertThat(loaded.get("a", 10)).map(KeyValue::modRevision).hasValue(8L);
  }
}
