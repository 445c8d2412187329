package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthCommands;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DedupRecord;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.SnapshotCompression;
import dev.kvstore.statemachine.proto.SnapshotHeader;
import dev.kvstore.statemachine.proto.StoredAuth;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import dev.kvstore.statemachine.proto.StoredPermission;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {

  @TempDir
  Path dir;

  private final MvccStore store = new MvccStore(0);
  private final AppliedRequests applied = new AppliedRequests();
  private final CommandApplier applier = new CommandApplier(store, applied, new WatchHub(store, 10));

  /** Writes the store as it is now (nothing changes it meanwhile). */
  private MD5Hash write(File file) throws IOException {
    try (MvccStore.RevisionView view = store.openView()) {
      return SnapshotFile.write(file, view, applied.records());
    }
  }

  @Test
  void roundTripKeepsEntriesRevisionsAndRememberedRequests() throws IOException {
    for (int i = 0; i < 1000; i++) {
      applier.apply(withId(put("key-" + (i % 300), "value-" + i), "client", i + 1));
    }
    applier.apply(TestCommands.delete("key-5"));
    File file = dir.resolve("snapshot.1_1001").toFile();

    MD5Hash md5 = write(file);
    assertThat(md5).isEqualTo(MD5FileUtil.computeMd5ForFile(file));
    SnapshotFile.Content content = SnapshotFile.read(file, null);

    MvccStore loaded = new MvccStore(0);
    loaded.reset(content.versions(), content.revision());
    assertThat(loaded.revision()).isEqualTo(1001);
    assertThat(loaded.size()).isEqualTo(299);
    assertThat(loaded.range("", 1000).kvs()).isEqualTo(store.range("", 1000).kvs());
    AppliedRequests loadedApplied = new AppliedRequests();
    loadedApplied.reset(content.dedup());
    assertThat(loadedApplied.records()).isEqualTo(applied.records());
  }

  @Test
  void aLoadedStoreReplaysARevisionsChangesInTheOrderTheyWereMade() throws Exception {
    MvccStore history = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    WriteTxn txn = history.write();
    for (String key : List.of("c", "a", "b")) {
      txn.put(key, ByteString.copyFromUtf8("v"));
    }
    txn.end();
    StoreWrites.put(history, "z", ByteString.copyFromUtf8("single"));
    File file = dir.resolve("snapshot.1_2").toFile();
    try (MvccStore.RevisionView view = history.openView()) {
      SnapshotFile.write(file, view, List.of());
    }

    SnapshotFile.Content content = SnapshotFile.read(file, null);
    assertThat(content.changeOrders()).containsOnlyKeys(1L);
    MvccStore loaded = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    loaded.reset(content.versions(), content.revision(), content.compactedRevision(), content.changeOrders());
    assertThat(loaded.changes(1, 2)).extracting(Event::key).containsExactly("c", "a", "b", "z");

    MvccStore withoutOrders = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    withoutOrders.reset(content.versions(), content.revision(), content.compactedRevision());
    assertThat(withoutOrders.changes(1, 1)).as("files without orders: key order").extracting(Event::key)
        .containsExactly("a", "b", "c");
  }

  @Test
  void roundTripKeepsTheCommandDigestsSoAReusedIdIsStillRefused() throws IOException {
    applier.apply(withId(put("k", "v"), "client", 1));
    File file = dir.resolve("snapshot.1_1").toFile();
    write(file);

    SnapshotFile.Content content = SnapshotFile.read(file, null);
    assertThat(content.dedup()).singleElement()
        .satisfies(r -> assertThat(r.getCommandDigest()).isEqualTo(CommandDigest.of(put("k", "v"))));
    MvccStore loadedStore = new MvccStore(0);
    loadedStore.reset(content.versions(), content.revision());
    AppliedRequests loadedApplied = new AppliedRequests();
    loadedApplied.reset(content.dedup());
    CommandApplier loaded = new CommandApplier(loadedStore, loadedApplied, new WatchHub(loadedStore, 10));

    assertThat(loaded.apply(withId(put("k", "v"), "client", 1)).getDuplicate()).isTrue();
    assertThat(loaded.apply(withId(put("k2", "v"), "client", 1)).getRefusal()).isEqualTo(Refusal.REQUEST_ID_REUSED);
    assertThat(loadedStore.get("k2")).isEmpty();
  }

  @Test
  void aSnapshotWrittenBeforeDigestsExistedLoadsAndItsIdsStillDeduplicate() throws IOException {
    // Written by hand in the layout of the previous version: the same header and records, and
    // dedup records without field 3.
    File file = dir.resolve("snapshot.1_1").toFile();
    try (OutputStream out = Files.newOutputStream(file.toPath())) {
      SnapshotHeader.newBuilder().setFormatVersion(1).setRevision(1).setKeyCount(1).setDedupCount(1).build()
          .writeDelimitedTo(out);
      StoredKeyValue.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))
          .setCreateRevision(1).setModRevision(1).setVersion(1).build()
          .writeDelimitedTo(out);
      DedupRecord.newBuilder()
          .setRequestId(withId(put("k", "v"), "client", 1).getRequestId())
          .setResult(CommandResult.newBuilder().setRevision(1))
          .build()
          .writeDelimitedTo(out);
    }

    SnapshotFile.Content content = SnapshotFile.read(file, null);
    store.reset(content.versions(), content.revision());
    applied.reset(content.dedup());

    CommandResult retry = applier.apply(withId(put("k", "v"), "client", 1));
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getRevision()).isEqualTo(1);
    assertThat(store.revision()).isEqualTo(1);
  }

  @Test
  void theLayoutIsLengthDelimitedMessagesWithTheVersionsEndedByAnEmptyKey() throws IOException {
    applier.apply(withId(put("b", "2"), "client", 1));
    applier.apply(put("a", "1"));
    File file = dir.resolve("snapshot.1_2").toFile();
    write(file);

    // the header as written; then, through zstd, record by record with writeDelimitedTo as format 1
    // was, plus the end of the versions
    java.io.InputStream stored = new java.io.ByteArrayInputStream(Files.readAllBytes(file.toPath()));
    assertThat(SnapshotHeader.parseDelimitedFrom(stored)).isEqualTo(SnapshotHeader.newBuilder()
        .setFormatVersion(SnapshotFile.FORMAT_VERSION).setRevision(2).setKeyCount(2).setDedupCount(1)
        .setCompactedRevision(2).setCompression(SnapshotCompression.SNAPSHOT_COMPRESSION_ZSTD).build());
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    for (KeyValue kv : store.range("", 10).kvs()) {
      kv.toStored().writeDelimitedTo(expected);
    }
    StoredKeyValue.getDefaultInstance().writeDelimitedTo(expected);
    for (DedupRecord r : applied.records()) {
      r.writeDelimitedTo(expected);
    }
    // no leases, no multi-key revisions; the auth state last
    StoredAuth.getDefaultInstance().writeDelimitedTo(expected);
    try (ZstdInputStream records = new ZstdInputStream(stored)) {
      assertThat(records.readAllBytes()).isEqualTo(expected.toByteArray());
    }
  }

  @Test
  void anUncompressedFileHasTheRecordsAsWrittenAfterItsHeader() throws IOException {
    applier.apply(put("a", "1"));
    File file = dir.resolve("snapshot.1_1").toFile();
    try (MvccStore.RevisionView view = store.openView()) {
      SnapshotFile.write(file, view, List.of(), List.of(), StoredAuth.getDefaultInstance(), CpuPacing.NONE,
          SnapshotCompression.SNAPSHOT_COMPRESSION_NONE);
    }

    java.io.InputStream stored = new java.io.ByteArrayInputStream(Files.readAllBytes(file.toPath()));
    assertThat(SnapshotHeader.parseDelimitedFrom(stored).getCompression())
        .isEqualTo(SnapshotCompression.SNAPSHOT_COMPRESSION_NONE);
    assertThat(StoredKeyValue.parseDelimitedFrom(stored).getKey()).isEqualTo("a");
    assertThat(SnapshotFile.read(file, null).versions()).extracting(KeyValue::key).containsExactly("a");
  }

  @Test
  void aFileNamingAnUnknownCodecIsRefusedWithWhatThisBuildReads() throws IOException {
    File file = dir.resolve("snapshot.1_1").toFile();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    SnapshotHeader.newBuilder().setFormatVersion(SnapshotFile.FORMAT_VERSION).setCompressionValue(7).build()
        .writeDelimitedTo(bytes);
    Files.write(file.toPath(), bytes.toByteArray());
    assertThatThrownBy(() -> SnapshotFile.read(file, null)).isInstanceOf(IOException.class)
        .hasMessageContaining("compression 7").hasMessageContaining("none and zstd");
  }

  @Test
  void repetitiveValuesTakeLessRoomThanUncompressed() throws IOException {
    for (int i = 0; i < 1000; i++) {
      applier.apply(put(String.format("key-%06d", i), "v".repeat(200)));
    }
    File compressed = dir.resolve("snapshot.1_1000").toFile();
    File plain = dir.resolve("snapshot.1_999").toFile();
    try (MvccStore.RevisionView view = store.openView()) {
      SnapshotFile.write(compressed, view, List.of(), List.of(), StoredAuth.getDefaultInstance(), CpuPacing.NONE);
      SnapshotFile.write(plain, view, List.of(), List.of(), StoredAuth.getDefaultInstance(), CpuPacing.NONE,
          SnapshotCompression.SNAPSHOT_COMPRESSION_NONE);
    }
    assertThat(compressed.length()).isLessThan(plain.length() / 10);
    assertThat(SnapshotFile.read(compressed, null).versions()).isEqualTo(SnapshotFile.read(plain, null).versions());
  }

  @Test
  void theAuthStateRoundTripsAndAFormat3FileLoadsWithAuthenticationOff() throws IOException {
    AuthStore auth = new AuthStore();
    auth.apply(AuthCommands.addUser("root", "$2y$hash"), "");
    auth.apply(AuthCommands.grantRole("root", AuthState.ROOT), "");
    auth.apply(AuthCommands.addRole("reader"), "");
    auth.apply(AuthCommands.grant("reader", StoredPermission.Type.READ, "app/", "", true), "");
    auth.apply(AuthCommands.enable(), "");
    applier.apply(put("a", "1"));
    File file = dir.resolve("snapshot.1_1").toFile();
    try (MvccStore.RevisionView view = store.openView()) {
      SnapshotFile.write(file, view, List.of(), List.of(), auth.stored(), CpuPacing.NONE);
    }

    AuthStore loaded = new AuthStore();
    loaded.reset(SnapshotFile.read(file, null).auth());
    assertThat(loaded.current()).isEqualTo(auth.current());
    assertThat(loaded.current().enabled()).isTrue();

    // format 3: the same records, uncompressed, without the auth record at the end
    byte[] bytes = Files.readAllBytes(file.toPath());
    java.io.ByteArrayOutputStream format3 = new java.io.ByteArrayOutputStream();
    try (java.io.InputStream stored = new java.io.ByteArrayInputStream(bytes)) {
      SnapshotHeader header = SnapshotHeader.parseDelimitedFrom(stored);
      java.io.InputStream in = new ZstdInputStream(stored);
      header.toBuilder().setFormatVersion(SnapshotFile.FORMAT_NO_AUTH).clearCompression().build()
          .writeDelimitedTo(format3);
      StoredKeyValue kv;
      do {
        kv = StoredKeyValue.parseDelimitedFrom(in);
        kv.writeDelimitedTo(format3);
      } while (!kv.getKey().isEmpty());
    }
    Files.write(file.toPath(), format3.toByteArray());
    SnapshotFile.Content old = SnapshotFile.read(file, null);
    assertThat(old.auth()).isEqualTo(StoredAuth.getDefaultInstance());
    assertThat(old.versions()).extracting(KeyValue::key).containsExactly("a");
  }

  @Test
  void historyAndDeletionsRoundTripBetweenTheCompactedAndTheSnapshotRevision() throws IOException {
    MvccStore keeping = new MvccStore(Long.MAX_VALUE);
    StoreWrites.put(keeping, "a", ByteString.copyFromUtf8("1"));
    StoreWrites.put(keeping, "b", ByteString.copyFromUtf8("1"));
    StoreWrites.put(keeping, "a", ByteString.copyFromUtf8("2"));
    keeping.compact(3);
    StoreWrites.delete(keeping, "b");
    StoreWrites.put(keeping, "a", ByteString.copyFromUtf8("3"));
    StoreWrites.put(keeping, "c", ByteString.copyFromUtf8("1"));
    File file = dir.resolve("snapshot.1_6").toFile();
    try (MvccStore.RevisionView view = keeping.openView()) {
      StoreWrites.put(keeping, "a", ByteString.copyFromUtf8("after"));
      SnapshotFile.write(file, view, List.of());
    }

    SnapshotFile.Content content = SnapshotFile.read(file, null);
    assertThat(content.revision()).isEqualTo(6);
    assertThat(content.compactedRevision()).isEqualTo(3);
    assertThat(content.keyCount()).isEqualTo(2);
    assertThat(content.versions()).extracting(kv -> kv.key() + "@" + kv.modRevision())
        .as("a's version at 3 and after; b's and its deletion; c; nothing after the view's revision")
        .containsExactly("a@3", "a@5", "b@2", "b@4", "c@6");

    MvccStore loaded = new MvccStore(Long.MAX_VALUE);
    loaded.reset(content.versions(), content.revision(), content.compactedRevision());
    for (long revision = 3; revision <= 6; revision++) {
      for (String key : List.of("a", "b", "c")) {
        try {
          assertThat(loaded.get(key, revision)).as("%s at %d", key, revision).isEqualTo(keeping.get(key, revision));
        } catch (RevisionUnavailableException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertThat(loaded.size()).isEqualTo(2);
    assertThat(loaded.compactedRevision()).isEqualTo(3);
  }

  @Test
  void aFileThatDoesNotMatchItsDigestIsRejected() throws IOException {
    applier.apply(put("k", "v"));
    File file = dir.resolve("snapshot.1_1").toFile();
    MD5Hash md5 = write(file);
    assertThat(SnapshotFile.read(file, md5).versions()).hasSize(1);

    byte[] bytes = Files.readAllBytes(file.toPath());
    bytes[bytes.length - 1] ^= 1;
    Files.write(file.toPath(), bytes);
    assertThatThrownBy(() -> SnapshotFile.read(file, md5)).isInstanceOf(IOException.class)
        .hasMessageContaining("MD5").hasMessageContaining("corrupt");
  }

  @Test
  void dataAfterTheLastRecordIsRejected() throws IOException {
    applier.apply(put("k", "v"));
    File file = dir.resolve("snapshot.1_1").toFile();
    write(file);
    Files.write(file.toPath(), new byte[] {1, 0}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> SnapshotFile.read(file, null)).isInstanceOf(IOException.class)
        .hasMessageContaining("after its last record");
  }

  @Test
  void emptyStoreRoundTrips() throws IOException {
    File file = dir.resolve("snapshot.0_0").toFile();
    write(file);
    assertThat(SnapshotFile.read(file, null).versions()).isEmpty();
  }

  @Test
  void truncatedSnapshotIsRejectedWithItsPosition() throws IOException {
    for (int i = 0; i < 100; i++) {
      applier.apply(put("key-" + i, "value-" + i));
    }
    File file = dir.resolve("snapshot.1_100").toFile();
    write(file);
    try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
      raf.setLength(raf.length() / 2);
    }
    assertThatThrownBy(() -> SnapshotFile.read(file, null)).isInstanceOf(IOException.class).hasMessageContaining("truncated");
  }

  @Test
  void noTemporaryFileIsLeftBehind() throws IOException {
    applier.apply(put("k", "v"));
    write(dir.resolve("snapshot.1_1").toFile());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("snapshot.1_1");
    }
  }
}
