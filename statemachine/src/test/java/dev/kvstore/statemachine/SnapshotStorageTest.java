package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory caches of {@link SnapshotStorage}: the latest snapshot, and old ones cleaned up, are
 * looked for on disk once per change, not per call.
 */
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

    SingleFileSnapshotInfo written = write(2, 20);

    assertThat(written.getIndex()).isEqualTo(20);
    assertThat(storage.getLatestSnapshot()).isEqualTo(written);
  }

  private SingleFileSnapshotInfo write(long term, long index) throws IOException {
    return storage.write(TermIndex.valueOf(term, index), file -> {
      Files.write(file.toPath(), new byte[] {7, 8, 9});
      return MD5FileUtil.computeMd5ForFile(file);
    });
  }

  private static SnapshotRetentionPolicy keeping(int snapshots) {
    return new SnapshotRetentionPolicy() {
      @Override
      public int getNumSnapshotsRetained() {
        return snapshots;
      }
    };
  }

  private boolean exists(long term, long index) {
    return storage.getSnapshotFile(term, index).exists();
  }

  @Test
  void oldSnapshotsAreCleanedUpOnceAfterEachPublishedOne() throws IOException {
    SnapshotRetentionPolicy keepTwo = keeping(2);
    write(1, 10);
    write(1, 20);
    write(1, 30);
    storage.cleanupOldSnapshots(keepTwo);
    assertThat(exists(1, 10)).as("beyond the two kept").isFalse();
    assertThat(exists(1, 20)).isTrue();

    // Ratis cleans up after every takeSnapshot, due or not: without a new snapshot the directory is
    // not listed, so a file placed behind the storage's back stays.
    placeSnapshotFile(1, 5);
    storage.cleanupOldSnapshots(keepTwo);
    assertThat(exists(1, 5)).as("not looked for without a new snapshot").isTrue();

    write(1, 40);
    storage.cleanupOldSnapshots(keepTwo);
    assertThat(exists(1, 5)).isFalse();
    assertThat(exists(1, 20)).isFalse();
    assertThat(exists(1, 30)).isTrue();
    assertThat(exists(1, 40)).isTrue();
  }

  @Test
  void aLoadedSnapshotMakesTheNextCleanupLook() throws IOException {
    SnapshotRetentionPolicy keepOne = keeping(1);
    write(1, 10);
    storage.cleanupOldSnapshots(keepOne);
    // As an install from the leader does: the file arrives, then the state machine loads it.
    placeSnapshotFile(2, 50);
    assertThat(storage.loadLatestSnapshot().getIndex()).isEqualTo(50);
    storage.cleanupOldSnapshots(keepOne);
    assertThat(exists(1, 10)).isFalse();
    assertThat(exists(2, 50)).isTrue();
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
