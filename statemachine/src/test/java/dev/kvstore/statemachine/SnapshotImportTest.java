package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup's content: written from a {@link SnapshotSource}, installed by {@link SnapshotImport} where a node loads it. */
class SnapshotImportTest {

  @TempDir
  Path dir;

  private RaftStorage raftStorage;
  private final MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);

  @BeforeEach
  void init() throws IOException {
    raftStorage = RaftStorage.newBuilder()
        .setDirectory(dir.resolve("group").toFile())
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(SizeInBytes.ZERO)
        .build();
    raftStorage.initialize();
    StoreWrites.put(store, "a", ByteString.copyFromUtf8("1"));
    StoreWrites.put(store, "a", ByteString.copyFromUtf8("2"));
    StoreWrites.put(store, "b", ByteString.copyFromUtf8("x"));
    StoreWrites.delete(store, "b");
    StoreWrites.put(store, "c", ByteString.copyFromUtf8("3"));
  }

  @AfterEach
  void close() throws IOException {
    raftStorage.close();
  }

  private byte[] content(SnapshotSource source) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    source.writeTo(out, "test");
    return out.toByteArray();
  }

  private SnapshotSource source() {
    return new SnapshotSource(store.openView(), new AppliedRequests().copy(), List.of(), new AuthStore().stored());
  }

  @Test
  void theStreamedContentIsTheSnapshotFileANodeWrites() throws IOException {
    byte[] streamed;
    try (SnapshotSource source = source()) {
      streamed = content(source);
      assertThat(source.revision()).isEqualTo(5);
      assertThat(source.keyCount()).isEqualTo(2);
    }
    File file = dir.resolve("snapshot").toFile();
    try (MvccStore.RevisionView view = store.openView()) {
      SnapshotFile.write(file, view, List.of(), List.of(), new AuthStore().stored(), CpuPacing.NONE);
    }

    assertThat(streamed).isEqualTo(Files.readAllBytes(file.toPath()));
  }

  @Test
  void anInstalledSnapshotLoadsWithItsHistoryAndHasItsDigest() throws IOException {
    byte[] content;
    try (SnapshotSource source = source()) {
      content = content(source);
    }
    // Writes after the source was opened are not in it.
    StoreWrites.put(store, "d", ByteString.copyFromUtf8("later"));

    SnapshotImport.Installed installed = SnapshotImport.install(raftStorage, TermIndex.valueOf(1, 0),
        new ByteArrayInputStream(content));

    assertThat(installed.revision()).isEqualTo(5);
    assertThat(installed.keyCount()).isEqualTo(2);
    assertThat(installed.versions()).isEqualTo(5);
    assertThat(installed.bytes()).isEqualTo(content.length);
    SnapshotStorage snapshots = new SnapshotStorage();
    snapshots.init(raftStorage);
    var latest = snapshots.loadLatestSnapshot();
    assertThat(latest.getTermIndex()).isEqualTo(TermIndex.valueOf(1, 0));
    File file = latest.getFile().getPath().toFile();
    assertThat(MD5FileUtil.readStoredMd5ForFile(file)).isEqualTo(MD5FileUtil.computeMd5ForFile(file));
    MvccStore loaded = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    SnapshotFile.Content read = SnapshotFile.read(file, latest.getFile().getFileDigest());
    loaded.reset(read.versions(), read.revision(), read.compactedRevision(), read.changeOrders());
    assertThat(loaded.get("a").orElseThrow().value().toStringUtf8()).isEqualTo("2");
    assertThat(loaded.get("b")).isEmpty();
    assertThat(loaded.get("d")).isEmpty();
    assertThat(loaded.entryAt("a", 1).orElseThrow().value().toStringUtf8()).isEqualTo("1");
  }

  @Test
  void aTruncatedOrForeignContentIsRefusedAndLeavesNothingBehind() throws IOException {
    byte[] content;
    try (SnapshotSource source = source()) {
      content = content(source);
    }
    byte[] cut = Arrays.copyOf(content, content.length - 3);

    assertThatThrownBy(() -> SnapshotImport.install(raftStorage, TermIndex.valueOf(1, 0), new ByteArrayInputStream(cut)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> SnapshotImport.install(raftStorage, TermIndex.valueOf(1, 0),
        new ByteArrayInputStream("not a snapshot at all".getBytes(java.nio.charset.StandardCharsets.UTF_8))))
        .isInstanceOf(IOException.class);
    try (var files = Files.list(raftStorage.getStorageDir().getStateMachineDir().toPath())) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aClosedSourceStopsWriting() {
    SnapshotSource source = source();
    source.close();

    assertThatThrownBy(() -> content(source)).isInstanceOf(IllegalStateException.class);
  }
}
