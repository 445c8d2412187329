package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvStateMachineTest {

  @TempDir
  Path dir;

  private final List<RaftStorage> storages = new ArrayList<>();
  private long nextIndex = 1;

  @AfterEach
  void closeStorages() throws IOException {
    for (RaftStorage s : storages) {
      s.close();
    }
  }

  private KvStateMachine open() throws IOException {
    return open(StateMachineObserver.NONE);
  }

  private KvStateMachine open(StateMachineObserver observer) throws IOException {
    for (RaftStorage s : storages) {
      s.close();
    }
    storages.clear();
    RaftStorage storage = RaftStorage.newBuilder()
        .setDirectory(dir.toFile())
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(SizeInBytes.ZERO)
        .build();
    storage.initialize();
    storages.add(storage);
    KvStateMachine sm = new KvStateMachine(new WatchHub(100, 1 << 20, 10), observer);
    sm.initialize(serverNamed("n1"), RaftGroupId.randomId(), storage);
    return sm;
  }

  /** The state machine only asks its server for its id; anything else is a test bug. */
  private static RaftServer serverNamed(String id) {
    return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(), new Class<?>[] {RaftServer.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getId" -> RaftPeerId.valueOf(id);
          case "toString" -> id;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private CommandResult apply(KvStateMachine sm, Command command) throws Exception {
    StateMachineLogEntryProto smEntry = StateMachineLogEntryProto.newBuilder()
        .setLogData(UnsafeByteOperations.unsafeWrap(command.toByteArray()))
        .build();
    TransactionContext trx = TransactionContext.newBuilder()
        .setStateMachine(sm)
        .setLogEntry(LogProtoUtils.toLogEntryProto(smEntry, 1, nextIndex++))
        .build();
    Message reply = sm.applyTransaction(trx).get();
    return CommandResult.parseFrom(reply.getContent().toByteArray());
  }

  @Test
  void snapshotRestoresDataRevisionAndDedupAfterRestart() throws Exception {
    KvStateMachine sm = open();
    for (int i = 1; i <= 50; i++) {
      apply(sm, withId(put("key-" + (i % 20), "v" + i), "c", i));
    }
    long index = sm.takeSnapshot();
    assertThat(index).isEqualTo(50);
    sm.close();

    KvStateMachine restarted = open();
    assertThat(restarted.getLastAppliedTermIndex().getIndex()).isEqualTo(50);
    assertThat(restarted.readView().revision()).isEqualTo(50);
    assertThat(restarted.readView().get("key-10").orElseThrow().value().toStringUtf8()).isEqualTo("v50");
    assertThat(restarted.readView().get("key-10").orElseThrow().version()).isEqualTo(3);
    // the dedup table survived: a late retry of request 50 is not applied again
    CommandResult retry = apply(restarted, withId(put("key-10", "v50"), "c", 50));
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(restarted.readView().revision()).isEqualTo(50);
  }

  @Test
  void reinitializeAfterPauseLoadsTheNewestSnapshotAndEndsWatches() throws Exception {
    KvStateMachine sm = open();
    apply(sm, put("k", "1"));
    sm.takeSnapshot();
    Watch w = sm.watchHub().watch(WatchFilter.exact("k"), 0, () -> { });
    apply(sm, put("k", "2"));

    sm.pause();
    sm.reinitialize();

    assertThat(sm.readView().get("k").orElseThrow().value().toStringUtf8()).isEqualTo("1");
    assertThat(sm.getLifeCycleState().isRunning()).isTrue();
    assertThat(w.poll().kv().value().toStringUtf8()).isEqualTo("2");
    assertThat(w.cancellation()).get().extracting(WatchCancellation::reason).isEqualTo(WatchCancellation.Reason.RESET);
    assertThat(w.cancellation().orElseThrow().message()).contains("installing a snapshot at revision 1");
  }

  @Test
  void observerIsToldOfEverySnapshotTakenAndLoadedWithItsSize() throws Exception {
    List<String> seen = new ArrayList<>();
    StateMachineObserver observer = new StateMachineObserver() {
      @Override
      public void snapshotTaken(long bytes, long durationNanos) {
        seen.add("taken " + bytes + (durationNanos > 0 ? "" : " without a duration"));
      }

      @Override
      public void snapshotLoaded(long bytes, long durationNanos) {
        seen.add("loaded " + bytes + (durationNanos > 0 ? "" : " without a duration"));
      }
    };
    KvStateMachine sm = open(observer);
    apply(sm, put("k", "1"));
    sm.takeSnapshot();
    long bytes = sm.getLatestSnapshot().getFiles().get(0).getPath().toFile().length();
    assertThat(bytes).isPositive();
    sm.close();
    open(observer);
    assertThat(seen).containsExactly("taken " + bytes, "loaded " + bytes);
  }

  @Test
  void emptyStateMachineTakesNoSnapshotBeforeAnyApply() throws Exception {
    KvStateMachine sm = open();
    assertThat(sm.takeSnapshot()).isNegative();
  }

  @Test
  void unreadableLogEntryIsSkippedOnEveryReplicaAlike() throws Exception {
    KvStateMachine sm = open();
    StateMachineLogEntryProto garbage = StateMachineLogEntryProto.newBuilder()
        .setLogData(UnsafeByteOperations.unsafeWrap(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))
        .build();
    TransactionContext trx = TransactionContext.newBuilder()
        .setStateMachine(sm)
        .setLogEntry(LogProtoUtils.toLogEntryProto(garbage, 1, nextIndex++))
        .build();
    CommandResult result = CommandResult.parseFrom(sm.applyTransaction(trx).get().getContent().toByteArray());
    assertThat(result.getError()).startsWith("unreadable command");
    assertThat(sm.readView().revision()).isZero();
    assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(1);
  }
}
