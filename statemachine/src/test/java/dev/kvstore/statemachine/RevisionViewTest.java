package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MvccStore.RevisionView}: the store at one revision, what snapshots are written from. The
 * stores here retain no revisions, so a view's versions are its revision's entries.
 */
class RevisionViewTest {

  @TempDir
  Path dir;

  private final MvccStore store = new MvccStore(0);

  private void put(String key, String value) {
    StoreWrites.put(store, key, ByteString.copyFromUtf8(value));
  }

  /** The store's content now, as a list in key order. */
  private List<KeyValue> contentNow() {
    return store.range("", Integer.MAX_VALUE).kvs();
  }

  private static List<KeyValue> drain(Iterator<KeyValue> it) {
    List<KeyValue> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void showsTheStoreAsItWasWhenFrozenWhateverHappensAfter() {
    put("a", "1");
    put("b", "1");
    put("c", "1");
    put("d", "1");
    List<KeyValue> atFreeze = contentNow();

    try (MvccStore.RevisionView view = store.openView()) {
      put("a", "2");
      put("a", "3");
      StoreWrites.delete(store, "b");
      put("bb", "new");
      StoreWrites.delete(store, "c");
      put("c", "again");
      put("e", "new");

      assertThat(drain(view.versions())).isEqualTo(atFreeze);
      assertThat(view.revision()).isEqualTo(4);
      assertThat(view.size()).isEqualTo(4);
      // the store itself moved on
      assertThat(store.get("a").orElseThrow().value().toStringUtf8()).isEqualTo("3");
      assertThat(store.get("b")).isEmpty();
    }
  }

  @Test
  void changesBetweenTheStepsOfAWalkDoNotLeakIntoIt() {
    for (String k : List.of("a", "b", "c", "d", "e", "f")) {
      put(k, "old");
    }
    List<KeyValue> atFreeze = contentNow();
    try (MvccStore.RevisionView view = store.openView()) {
      Iterator<KeyValue> walk = view.versions();
      List<KeyValue> seen = new ArrayList<>();
      seen.add(walk.next()); // a
      // the walk has read ahead: the key it will return next, one behind it, and several beyond
      StoreWrites.delete(store, "b");
      put("a", "new");
      put("c", "new");
      StoreWrites.delete(store, "d");
      put("d", "new");
      put("dd", "created");
      StoreWrites.delete(store, "f");
      put("g", "created");
      seen.addAll(drain(walk));

      assertThat(seen).isEqualTo(atFreeze);
    }
  }

  /**
   * Deterministic interleavings, many of them: a seeded random store, then walk steps and random
   * changes (puts, deletes, re-creations, on keys behind, at and ahead of the walk) taken in turn
   * on one thread. The walk must return exactly the store at the freeze.
   */
  @Test
  void everyInterleavingOfWalkStepsAndChangesYieldsTheFrozenContent() {
    Random random = new Random(7);
    for (int trial = 0; trial < 3_000; trial++) {
      MvccStore s = new MvccStore(0);
      int keySpace = 1 + random.nextInt(24);
      for (int i = random.nextInt(2 * keySpace); i > 0; i--) {
        StoreWrites.put(s, "k" + random.nextInt(keySpace), ByteString.copyFromUtf8("v" + i));
      }
      List<KeyValue> atFreeze = s.range("", Integer.MAX_VALUE).kvs();
      try (MvccStore.RevisionView view = s.openView()) {
        Iterator<KeyValue> walk = view.versions();
        List<KeyValue> seen = new ArrayList<>();
        while (true) {
          for (int changes = random.nextInt(4); changes > 0; changes--) {
            String key = "k" + random.nextInt(keySpace + 2);
            if (random.nextBoolean()) {
              StoreWrites.put(s, key, ByteString.copyFromUtf8("after-" + trial));
            } else {
              StoreWrites.delete(s, key);
            }
          }
          if (!walk.hasNext()) {
            break;
          }
          seen.add(walk.next());
        }
        assertThat(seen).as("trial %d", trial).isEqualTo(atFreeze);
      }
    }
  }

  /**
   * The real thing: a snapshot written on another thread while this one applies changes as fast as
   * it can, loaded back and compared with a copy taken at the freeze. Bounded: 6 rounds of at most
   * 200,000 changes each.
   */
  @Test
  void aSnapshotWrittenWhileChangesAreAppliedLoadsAsTheStateAtItsRevision() throws Exception {
    Random random = new Random(11);
    int keySpace = 20_000;
    for (int i = 0; i < keySpace; i++) {
      put("key-" + i, "initial-" + i);
    }
    for (int round = 0; round < 6; round++) {
      List<KeyValue> atFreeze = contentNow();
      long revision = store.revision();
      File file = dir.resolve("snapshot.1_" + round).toFile();
      MvccStore.RevisionView view = store.openView();
      CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
        try (view) {
          SnapshotFile.write(file, view, List.of());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      int changes = 0;
      while (!writing.isDone() && changes < 200_000) {
        String key = "key-" + random.nextInt(keySpace + keySpace / 10);
        if (random.nextInt(4) == 0) {
          StoreWrites.delete(store, key);
        } else {
          StoreWrites.put(store, key, ByteString.copyFromUtf8("round-" + round + "-" + changes));
        }
        changes++;
      }
      writing.get(30, TimeUnit.SECONDS);

      SnapshotFile.Content loaded = SnapshotFile.read(file, null);
      assertThat(loaded.revision()).isEqualTo(revision);
      assertThat(loaded.versions()).as("round %d with %d changes during the write", round, changes).isEqualTo(atFreeze);
    }
  }

  @Test
  void aClosedViewNoLongerHoldsItsVersions() {
    put("a", "1");
    put("b", "1");
    MvccStore.RevisionView view = store.openView();
    put("a", "2");
    StoreWrites.delete(store, "b");
    assertThat(store.versionCount("a")).as("held for the view").isEqualTo(2);
    assertThat(store.versionCount("b")).isEqualTo(2);

    view.close();
    put("c", "1");

    assertThat(store.versionCount("a")).isEqualTo(1);
    assertThat(store.versionCount("b")).isZero();
  }

  @Test
  void aClosedViewRefusesToBeRead() {
    put("a", "1");
    put("b", "1");
    MvccStore.RevisionView view = store.openView();
    Iterator<KeyValue> walk = view.versions();
    view.close();
    put("a", "2");

    assertThatThrownBy(() -> drain(walk)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void aSnapshotOfAViewClosedMidWayLeavesNoFile() throws IOException {
    for (int i = 0; i < 1000; i++) {
      put("key-" + i, "v");
    }
    File file = dir.resolve("snapshot.1_1000").toFile();
    MvccStore.RevisionView view = store.openView();
    view.close();

    assertThatThrownBy(() -> SnapshotFile.write(file, view, List.of())).isInstanceOf(IllegalStateException.class);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void severalViewsHoldTheirRevisionsEach() {
    put("a", "1");
    try (MvccStore.RevisionView first = store.openView()) {
      put("a", "2");
      try (MvccStore.RevisionView second = store.openView()) {
        put("a", "3");
        assertThat(drain(first.versions())).extracting(kv -> kv.value().toStringUtf8()).containsExactly("1");
        assertThat(drain(second.versions())).extracting(kv -> kv.value().toStringUtf8()).containsExactly("2");
      }
    }
  }

  @Test
  void aViewOpenWhenTheStoreIsResetKeepsShowingTheOldContent() {
    put("a", "old");
    List<KeyValue> atFreeze = contentNow();
    try (MvccStore.RevisionView view = store.openView()) {
      store.reset(List.of(new KeyValue("b", ByteString.copyFromUtf8("loaded"), 9, 9, 1)), 9);
      put("a", "after reset");

      assertThat(drain(view.versions())).isEqualTo(atFreeze);
    }
  }
}
