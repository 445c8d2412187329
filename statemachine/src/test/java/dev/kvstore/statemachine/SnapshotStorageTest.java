package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The latest-snapshot cache of {@link SnapshotStorage}: the directory is listed once per change, not per call. */
class SnapshotStorageTest {

  @TempDir
  Path dir;

  private RaftStorage raftStorage;
  private final SnapshotStorage storage = new SnapshotStorage();

  @BeforeEach
  void init() throws IOException {
    raftStorage = RaftStorage.newBuilder()
        .setDirectory(dir.toFile())
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(SizeInBytes.ZERO)
        .build();
    raftStorage.initialize();
    storage.init(raftStorage);
  }

  @AfterEach
  void close() throws IOException {
    raftStorage.close();
  }

  /** A complete snapshot file with its digest, put into the directory behind the storage's back. */
  private void placeSnapshotFile(long term, long index) throws IOException {
    File file = storage.getSnapshotFile(term, index);
    Files.write(file.toPath(), new byte[] {1, 2, 3});
    MD5FileUtil.saveMD5File(file, MD5FileUtil.computeMd5ForFile(file));
  }

  @Test
  void noSnapshotIsRememberedUntilOneIsLoaded() throws IOException {
    assertThat(storage.getLatestSnapshot()).isNull();

    placeSnapshotFile(1, 10);
    // Ratis's own storage would list the directory again on this call and find it; the directory
    // is not looked at again until the state machine loads, as it does after an install.
    assertThat(storage.getLatestSnapshot()).as("not looked for again").isNull();

    assertThat(storage.loadLatestSnapshot().getIndex()).isEqualTo(10);
    assertThat(storage.getLatestSnapshot().getIndex()).isEqualTo(10);
    assertThat(storage.latestIndex()).isEqualTo(10);
  }

  @Test
  void aWrittenSnapshotIsSeenAtOnceAfterNoneWasFound() throws IOException {
    assertThat(storage.getLatestSnapshot()).isNull();

    SingleFileSnapshotInfo written = storage.write(TermIndex.valueOf(2, 20), file -> {
      Files.write(file.toPath(), new byte[] {4, 5, 6});
      return MD5FileUtil.computeMd5ForFile(file);
    });

    assertThat(written.getIndex()).isEqualTo(20);
    assertThat(storage.getLatestSnapshot()).isEqualTo(written);
  }

  @Test
  void aLoadThatFindsNothingIsRememberedToo() throws IOException {
    assertThat(storage.loadLatestSnapshot()).isNull();
    assertThat(storage.getLatestSnapshot()).isNull();
    placeSnapshotFile(3, 30);
    assertThat(storage.getLatestSnapshot()).isNull();
    assertThat(storage.loadLatestSnapshot().getIndex()).isEqualTo(30);
  }
}
