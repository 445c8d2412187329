package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.batch;
import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.readBarrier;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.CurrentTermQuery;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvStateMachineTest {

  /** A threshold no test reaches: snapshots only on demand or at stop. */
  private static final long NO_AUTOMATIC_SNAPSHOTS = Long.MAX_VALUE;

  @TempDir
  Path dir;

  private final List<RaftStorage> storages = new ArrayList<>();
  /** Background snapshot writes handed over by the state machine, not run until the test runs them. */
  private final Queue<Runnable> backgroundWrites = new ConcurrentLinkedQueue<>();
  private volatile LifeCycle.State serverState = LifeCycle.State.RUNNING;
  /** The Raft log the state machine sees: the last index written to disk, the last it holds, and how often it asked. */
  private final AtomicLong logFlushed = new AtomicLong();
  private final AtomicLong logLast = new AtomicLong();
  private final AtomicInteger logPolls = new AtomicInteger();
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
    return open(NO_AUTOMATIC_SNAPSHOTS, SnapshotWriter.THREAD_PER_WRITE, observer);
  }

  /** A state machine whose automatic snapshots are due after {@code threshold} writes or entries and are written when the test says. */
  private KvStateMachine openWithAutomaticSnapshots(long threshold) throws IOException {
    return open(threshold, backgroundWrites::add);
  }

  private KvStateMachine open(long snapshotThreshold, Executor snapshotWrites) throws IOException {
    return open(snapshotThreshold, snapshotWrites, StateMachineObserver.NONE);
  }

  private KvStateMachine open(long snapshotThreshold, Executor snapshotWrites, StateMachineObserver observer)
      throws IOException {
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
    MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
    KvStateMachine sm = new KvStateMachine(store, new WatchHub(store, 10), observer, snapshotWrites, snapshotThreshold);
    sm.initialize(serverNamed("n1", new RaftProperties()), RaftGroupId.randomId(), storage);
    return sm;
  }

  /**
   * The state machine only asks its server for its id, properties, state and Raft log (the log's
   * written and last indexes); anything else is a test bug.
   */
  private RaftServer serverNamed(String id, RaftProperties properties) {
    RaftLog log = (RaftLog) Proxy.newProxyInstance(RaftLog.class.getClassLoader(), new Class<?>[] {RaftLog.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getFlushIndex" -> {
            logPolls.incrementAndGet();
            yield logFlushed.get();
          }
          case "getLastEntryTermIndex" -> TermIndex.valueOf(1, logLast.get());
          case "toString" -> id + "-log";
          default -> throw new UnsupportedOperationException(method.getName());
        });
    RaftServer.Division division = (RaftServer.Division) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
        new Class<?>[] {RaftServer.Division.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getRaftLog" -> log;
          case "toString" -> id + "-division";
          default -> throw new UnsupportedOperationException(method.getName());
        });
    return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(), new Class<?>[] {RaftServer.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getId" -> RaftPeerId.valueOf(id);
          case "getProperties" -> properties;
          case "getLifeCycleState" -> serverState;
          case "getDivision" -> division;
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

  /**
   * Takes a snapshot the way the node does on demand: ask, have "Ratis" call, wait for the write in
   * the background (its own thread here), and call again for the finished snapshot's index.
   */
  private static long snapshotOnDemand(KvStateMachine sm) throws Exception {
    sm.requestSnapshot();
    assertThat(sm.takeSnapshot()).as("answered while the snapshot is being written").isEqualTo(-1);
    sm.snapshotInProgress().get(30, TimeUnit.SECONDS);
    return sm.takeSnapshot();
  }

  @Test
  void snapshotRestoresDataRevisionAndDedupAfterRestart() throws Exception {
    KvStateMachine sm = open();
    for (int i = 1; i <= 50; i++) {
      apply(sm, withId(put("key-" + (i % 20), "v" + i), "c", i));
    }
    long index = snapshotOnDemand(sm);
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
  void aSnapshotRestoresTheLeasesAndTheirKeysAfterRestart() throws Exception {
    KvStateMachine sm = open();
    apply(sm, LeaseCommandsTest.grant(7, 30));
    apply(sm, LeaseCommandsTest.grant(8, 60));
    apply(sm, LeaseCommandsTest.put("a", "1", 7));
    apply(sm, LeaseCommandsTest.put("b", "1", 7));
    snapshotOnDemand(sm);
    sm.close();

    KvStateMachine restarted = open();
    assertThat(restarted.leases().all()).containsExactly(new Leases.Lease(7, 30), new Leases.Lease(8, 60));
    assertThat(restarted.leases().keys(7)).containsExactly("a", "b");
    // a revoke after the restart deletes the keys the snapshot attached, at one revision
    apply(restarted, LeaseCommandsTest.revoke(7));
    assertThat(restarted.readView().get("a")).isEmpty();
    assertThat(restarted.readView().get("b")).isEmpty();
    assertThat(restarted.readView().revision()).isEqualTo(3);
  }

  @Test
  void reinitializeAfterPauseLoadsTheNewestSnapshotAndEndsWatches() throws Exception {
    KvStateMachine sm = open();
    apply(sm, put("k", "1"));
    snapshotOnDemand(sm);
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
    snapshotOnDemand(sm);
    long bytes = sm.getLatestSnapshot().getFiles().get(0).getPath().toFile().length();
    assertThat(bytes).isPositive();
    sm.close();
    open(observer);
    assertThat(seen).containsExactly("taken " + bytes, "loaded " + bytes);
  }

  @Test
  void queriesAreOnlyPeerQueriesAnsweredByTheInstalledHandler() throws Exception {
    KvStateMachine sm = open();
    PeerQuery term = PeerQuery.newBuilder().setCurrentTerm(CurrentTermQuery.getDefaultInstance()).build();
    Message asked = Message.valueOf(UnsafeByteOperations.unsafeWrap(term.toByteArray()));

    // A StateMachineException, which Ratis answers on the asker's stream instead of closing it.
    assertThat(sm.query(asked)).as("before the node installs its handler").failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(StateMachineException.class);

    sm.answerPeerQueries(q -> CompletableFuture.completedFuture(PeerQueryResult.newBuilder()
        .setTerm(q.getKindCase() == PeerQuery.KindCase.CURRENT_TERM ? 9 : 0).build()));
    Message answer = sm.query(asked).get(5, TimeUnit.SECONDS);
    assertThat(PeerQueryResult.parseFrom(answer.getContent().toByteArray()).getTerm()).isEqualTo(9);

    Message garbage = Message.valueOf(UnsafeByteOperations.unsafeWrap(new byte[] {(byte) 0xff, 0x01}));
    assertThat(sm.query(garbage)).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(IllegalArgumentException.class);
    assertThat(sm.query(Message.EMPTY)).as("a query of no known kind").failsWithin(Duration.ofSeconds(5));
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

  @Test
  void anAutomaticSnapshotIsWrittenInTheBackgroundAndReportedOnlyOnceComplete() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(10);
    for (int i = 1; i <= 12; i++) {
      apply(sm, withId(put("key-" + (i % 5), "v" + i), "c", i));
    }

    // Ratis asks because 12 entries were applied since no snapshot: the write is only started
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    assertThat(backgroundWrites).hasSize(1);
    for (int i = 13; i <= 20; i++) {
      apply(sm, withId(put("key-" + (i % 5), "v" + i), "c", i));
    }
    assertThat(sm.takeSnapshot()).as("asked again while the write is not done").isEqualTo(-1);
    assertThat(backgroundWrites).hasSize(1);
    assertThat(sm.getLatestSnapshot()).isNull();
    try (var files = Files.list(smDir())) {
      assertThat(files).isEmpty();
    }

    backgroundWrites.poll().run();
    assertThat(sm.getLatestSnapshot().getIndex()).isEqualTo(12);
    assertThat(sm.takeSnapshot()).as("the finished snapshot is reported once").isEqualTo(12);
    assertThat(backgroundWrites).as("reporting it starts no other").isEmpty();
    assertThat(sm.takeSnapshot()).as("8 writes since the one at 12: none due").isEqualTo(-1);
    assertThat(backgroundWrites).isEmpty();
    apply(sm, put("key-0", "v21"));
    apply(sm, put("key-1", "v22"));
    assertThat(sm.takeSnapshot()).as("10 writes since: due").isEqualTo(-1);
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(22);
    sm.close();

    // the snapshot at 12 holds the state at 12, not the writes applied while it was written
    Path smDir = smDir();
    Files.delete(smDir.resolve("snapshot.1_22"));
    Files.delete(smDir.resolve("snapshot.1_22.md5"));
    KvStateMachine restarted = open();
    assertThat(restarted.getLastAppliedTermIndex().getIndex()).isEqualTo(12);
    assertThat(restarted.readView().revision()).isEqualTo(12);
    assertThat(restarted.readView().get("key-2").orElseThrow().value().toStringUtf8()).isEqualTo("v12");
    assertThat(restarted.readView().get("key-3").orElseThrow().value().toStringUtf8()).isEqualTo("v8");
    assertThat(apply(restarted, withId(put("key-2", "v12"), "c", 12)).getDuplicate()).isTrue();
    assertThat(apply(restarted, withId(put("key-3", "v13"), "c", 13)).getDuplicate()).isFalse();
  }

  @Test
  void aFailedBackgroundWriteIsReportedToRatisAndTheNextCallStartsAnother() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(5);
    for (int i = 1; i <= 6; i++) {
      apply(sm, put("k" + i, "v"));
    }
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    Runnable write = backgroundWrites.poll();
    // the snapshot directory vanished under the writer
    Path smDir = smDir();
    Files.delete(smDir);
    write.run();

    assertThatThrownBy(sm::takeSnapshot).isInstanceOf(IOException.class).hasMessageContaining("index 6");
    Files.createDirectory(smDir);
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(6);
  }

  /** A state machine that has applied {@code puts} puts and started an automatic snapshot on a thread of its own. */
  private KvStateMachine withBackgroundWriteStarted(int puts) throws Exception {
    KvStateMachine sm = open(3, SnapshotWriter.THREAD_PER_WRITE);
    for (int i = 1; i <= puts; i++) {
      apply(sm, put("k" + i, "v"));
    }
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    return sm;
  }

  @Test
  void closeWaitsForABackgroundWriteSoTheSnapshotTakenAtStopIsOnDisk() throws Exception {
    KvStateMachine sm = withBackgroundWriteStarted(4);
    sm.close();

    assertThat(open().getLastAppliedTermIndex().getIndex()).isEqualTo(4);
  }

  @Test
  void theSnapshotTakenWhenTheServerStopsHoldsEverythingAppliedEvenWithAWriteInFlight() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(3);
    for (int i = 1; i <= 4; i++) {
      apply(sm, put("k", "v" + i));
    }
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    for (int i = 5; i <= 9; i++) {
      apply(sm, put("k", "v" + i));
    }
    Runnable inFlight = backgroundWrites.poll();
    CompletableFuture.runAsync(inFlight);

    serverState = LifeCycle.State.CLOSING;
    assertThat(sm.takeSnapshot()).isEqualTo(9);
    sm.close();

    serverState = LifeCycle.State.RUNNING;
    KvStateMachine restarted = open();
    assertThat(restarted.getLastAppliedTermIndex().getIndex()).isEqualTo(9);
    assertThat(restarted.readView().get("k").orElseThrow().value().toStringUtf8()).isEqualTo("v9");
  }

  @Test
  void pauseWaitsUntilTheRaftLogHasWrittenTheEntriesItHolds() throws Exception {
    KvStateMachine sm = open();
    logLast.set(30);
    logFlushed.set(12);

    CompletableFuture<Void> paused = CompletableFuture.runAsync(sm::pause);
    await().atMost(Duration.ofSeconds(10)).until(() -> logPolls.get() >= 3);
    assertThat(paused).as("paused while entries 13..30 are still queued for the log writer").isNotDone();
    logFlushed.set(30);

    paused.get(10, TimeUnit.SECONDS);
    assertThat(sm.getLifeCycleState()).isEqualTo(LifeCycle.State.PAUSED);
  }

  @Test
  void pauseEndsABackgroundWriteBeforeRatisReplacesTheSnapshotDirectory() throws Exception {
    KvStateMachine sm = withBackgroundWriteStarted(2_000);
    sm.pause();

    // the write was either cancelled (and left nothing) or had finished (and left a whole snapshot)
    try (var files = Files.list(smDir())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .isSubsetOf("snapshot.1_2000", "snapshot.1_2000.md5");
    }
  }

  @Test
  void aSnapshotAskedForIsWrittenInTheBackgroundWhileAppliesGoOn() throws Exception {
    KvStateMachine sm = open(NO_AUTOMATIC_SNAPSHOTS, backgroundWrites::add);
    for (int i = 1; i <= 5; i++) {
      apply(sm, put("k", "v" + i));
    }
    assertThat(sm.requestSnapshot()).as("the index it will cover").isEqualTo(5);
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    assertThat(backgroundWrites).hasSize(1);

    // the write has not run, and applies go on
    for (int i = 6; i <= 9; i++) {
      apply(sm, put("k", "v" + i));
    }
    assertThat(sm.snapshotInProgress()).isNotDone();
    assertThat(sm.takeSnapshot()).as("asked again while the write is not done").isEqualTo(-1);

    backgroundWrites.poll().run();
    assertThat(sm.snapshotInProgress()).isCompleted();
    assertThat(sm.takeSnapshot()).isEqualTo(5);
    assertThat(backgroundWrites).isEmpty();
    sm.close();

    KvStateMachine restarted = open();
    assertThat(restarted.getLastAppliedTermIndex().getIndex()).isEqualTo(5);
    assertThat(restarted.readView().get("k").orElseThrow().value().toStringUtf8()).isEqualTo("v5");
  }

  @Test
  void aSnapshotAskedForWhileAnOlderOneIsWrittenGetsAWriteOfItsOwn() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(3);
    for (int i = 1; i <= 4; i++) {
      apply(sm, put("k", "v" + i));
    }
    assertThat(sm.takeSnapshot()).as("the automatic one starts").isEqualTo(-1);
    for (int i = 5; i <= 8; i++) {
      apply(sm, put("k", "v" + i));
    }
    assertThat(sm.requestSnapshot()).isEqualTo(8);
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    assertThat(backgroundWrites).as("one write at a time").hasSize(1);

    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).as("the finished one is reported").isEqualTo(4);
    assertThat(backgroundWrites).as("and the one asked for started").hasSize(1);
    assertThat(sm.snapshotInProgress()).isNotDone();
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(8);
  }

  @Test
  void aFailedWriteSomeoneAskedForIsToldToThemAndTheNextCallStartsAnother() throws Exception {
    KvStateMachine sm = open(NO_AUTOMATIC_SNAPSHOTS, backgroundWrites::add);
    for (int i = 1; i <= 3; i++) {
      apply(sm, put("k" + i, "v"));
    }
    sm.requestSnapshot();
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    Path smDir = smDir();
    Files.delete(smDir);
    backgroundWrites.poll().run();
    assertThat(sm.snapshotInProgress()).isCompletedExceptionally();

    Files.createDirectory(smDir);
    // not thrown to Ratis, which would hold the waiting request until its timeout
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(3);
  }

  @Test
  void aSnapshotAskedForWhenNothingWasAppliedSinceTheLastIsThatOne() throws Exception {
    KvStateMachine sm = open();
    apply(sm, put("k", "v"));
    assertThat(snapshotOnDemand(sm)).isEqualTo(1);
    sm.requestSnapshot();
    assertThat(sm.takeSnapshot()).isEqualTo(1);
    assertThat(sm.snapshotInProgress()).isCompleted();
  }

  @Test
  void writesCountTowardsTheThresholdWhenOneEntryCarriesABatchOfThem() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(10);
    apply(sm, batch(put("a", "1"), put("b", "1"), put("c", "1"), put("d", "1"), put("e", "1")));
    assertThat(sm.takeSnapshot()).as("5 writes in 1 entry").isEqualTo(-1);
    assertThat(backgroundWrites).isEmpty();

    apply(sm, batch(put("a", "2"), put("b", "2"), put("c", "2"), put("d", "2"), put("e", "2")));
    assertThat(sm.readView().revision()).isEqualTo(10);
    assertThat(sm.takeSnapshot()).as("10 writes in 2 entries: due").isEqualTo(-1);
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(2);
  }

  @Test
  void entriesWithoutWritesCountTowardsTheThresholdToo() throws Exception {
    KvStateMachine sm = openWithAutomaticSnapshots(3);
    apply(sm, put("k", "v"));
    apply(sm, readBarrier());
    assertThat(sm.takeSnapshot()).isEqualTo(-1);
    assertThat(backgroundWrites).isEmpty();

    apply(sm, readBarrier());
    assertThat(sm.readView().revision()).as("one write").isEqualTo(1);
    assertThat(sm.takeSnapshot()).as("3 entries: due").isEqualTo(-1);
    backgroundWrites.poll().run();
    assertThat(sm.takeSnapshot()).isEqualTo(3);
  }

  private Path smDir() {
    return storages.get(0).getStorageDir().getStateMachineDir().toPath();
  }

}
