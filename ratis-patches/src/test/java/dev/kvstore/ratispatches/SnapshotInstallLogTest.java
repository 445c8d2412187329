package dev.kvstore.ratispatches;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's segmented Raft log when the leader installs a snapshot on it, through Ratis's own
 * {@link SegmentedRaftLog#onSnapshotInstalled}: the entries after the snapshot stay, and new
 * entries keep being appended. Without the patched {@code SegmentedRaftLogWorker} the first case
 * fails: the writer's index goes back to the snapshot's and the next append fails its check.
 */
class SnapshotInstallLogTest {

  private static final long TERM = 3;
  private static final RaftGroupMemberId MEMBER =
      RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n2"), RaftGroupId.randomId());

  @TempDir
  Path dir;

  @Test
  void aSnapshotOlderThanTheLogKeepsTheEntriesAfterItAndTheLogGoesOn() throws Exception {
    try (RaftStorage storage = storage(RaftStorage.StartupOption.FORMAT)) {
      SegmentedRaftLog log = open(storage, RaftLog.INVALID_LOG_INDEX);
      appendAll(log, 0, 10);

      log.onSnapshotInstalled(8).get(10, TimeUnit.SECONDS);
      appendAll(log, 11, 12);

      assertThat(log.getLastEntryTermIndex().getIndex()).isEqualTo(12);
      assertThat(log.getFlushIndex()).isEqualTo(12);
      log.close();
    }
    try (RaftStorage storage = storage(RaftStorage.StartupOption.RECOVER)) {
      SegmentedRaftLog reopened = open(storage, 8);
      assertThat(reopened.getLastEntryTermIndex().getIndex()).isEqualTo(12);
      assertThat(reopened.get(9).getIndex()).isEqualTo(9);
      reopened.close();
    }
  }

  @Test
  void aSnapshotAheadOfTheLogReplacesItAndTheLogGoesOnAfterTheSnapshot() throws Exception {
    try (RaftStorage storage = storage(RaftStorage.StartupOption.FORMAT)) {
      SegmentedRaftLog log = open(storage, RaftLog.INVALID_LOG_INDEX);
      appendAll(log, 0, 5);

      log.onSnapshotInstalled(8).get(10, TimeUnit.SECONDS);
      appendAll(log, 9, 10);

      assertThat(log.getLastEntryTermIndex().getIndex()).isEqualTo(10);
      assertThat(log.getFlushIndex()).isEqualTo(10);
      log.close();
    }
  }

  @Test
  void aSnapshotAtTheLogsLastEntryLetsTheLogGoOn() throws Exception {
    try (RaftStorage storage = storage(RaftStorage.StartupOption.FORMAT)) {
      SegmentedRaftLog log = open(storage, RaftLog.INVALID_LOG_INDEX);
      appendAll(log, 0, 8);

      log.onSnapshotInstalled(8).get(10, TimeUnit.SECONDS);
      appendAll(log, 9, 10);

      assertThat(log.getFlushIndex()).isEqualTo(10);
      log.close();
    }
  }

  private RaftStorage storage(RaftStorage.StartupOption option) throws IOException {
    RaftStorage storage = RaftStorage.newBuilder()
        .setDirectory(new File(dir.toFile(), "raft"))
        .setOption(option)
        .setStorageFreeSpaceMin(SizeInBytes.ONE_KB)
        .build();
    storage.initialize();
    return storage;
  }

  private static SegmentedRaftLog open(RaftStorage storage, long snapshotIndex) throws IOException {
    SegmentedRaftLog log = SegmentedRaftLog.newBuilder()
        .setMemberId(MEMBER)
        .setStorage(storage)
        .setSnapshotIndexSupplier(() -> snapshotIndex)
        .setProperties(new RaftProperties())
        .build();
    log.open(snapshotIndex, entry -> { });
    return log;
  }

  /** Appends entries [first, last] as a follower does and waits until each is written (at most 10 s). */
  private static void appendAll(RaftLog log, long first, long last) throws Exception {
    List<LogEntryProto> entries = LongStream.rangeClosed(first, last)
        .mapToObj(index -> LogProtoUtils.toLogEntryProto(index, TERM, index))
        .toList();
    List<CompletableFuture<Long>> written = log.append(entries);
    CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
  }
}
