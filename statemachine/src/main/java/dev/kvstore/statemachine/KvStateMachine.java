package dev.kvstore.statemachine;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import dev.kvstore.statemachine.proto.QuotaExceeded;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.JavaUtils;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of kvstore: applies {@link Command}s from the Raft log to the key-value
 * store in log order, assigns revisions, feeds the {@link WatchHub}, and takes and loads snapshots.
 *
 * <p>Reads do not go through {@link #query}: the node waits for the Raft read index (or not, for
 * serializable reads) and then reads {@link #readView()} directly, without serialising results.
 * {@link #query} answers only the nodes' questions to each other ({@link #answerPeerQueries}).
 *
 * <p>Snapshots are written in the background while applies go on (see {@link SnapshotWriter}),
 * automatic ones and those asked for on demand ({@link #requestSnapshot()}) alike; only the one
 * Ratis takes when the server stops is written at once.
 */
public final class KvStateMachine extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final SnapshotStorage storage = new SnapshotStorage();
  private final MvccStore store;
  private final AppliedRequests applied = new AppliedRequests();
  private final Leases leases = new Leases();
  private final AuthStore auth = new AuthStore();
  private final SnapshotWriter snapshots;
  private final AppliedIndex appliedIndex = new AppliedIndex();
  private final WatchHub hub;
  private final StateMachineObserver observer;
  private final CommandApplier applier;
  private final List<Consumer<String>> leaderListeners = new CopyOnWriteArrayList<>();
  /**
   * Held by the apply thread while it changes the state (each apply, each snapshot load), and by
   * {@link #openSnapshotSource()} while it copies the state's references: a backup sees the state
   * between two applies without running on the apply thread. Uncontended but for those copies.
   */
  private final ReentrantLock applyLock = new ReentrantLock();

  private volatile StorageQuotaCheck storageQuota = StorageQuotaCheck.NONE;
  private volatile Function<PeerQuery, CompletableFuture<PeerQueryResult>> peerQueries = question ->
      // A StateMachineException, which Ratis answers as such: any other exception closes the asker's stream.
      JavaUtils.completeExceptionally(new StateMachineException("this node does not answer peer queries yet"));

  /** Writes, or log entries, between automatic snapshots unless told otherwise: what etcd's {@code --snapshot-count} defaults to. */
  public static final long DEFAULT_SNAPSHOT_THRESHOLD = 100_000;
  /** How long a snapshot install waits at most for the Raft log's queued writes ({@link LogWriteBarrier}). */
  private static final Duration LOG_WRITE_WAIT = Duration.ofSeconds(10);

  /**
   * @param store the replicated data, kept from the revision the leader last compacted at (construct
   *              it with {@link MvccStore#RETAIN_UNTIL_COMPACTED}: compaction is a replicated command)
   * @param hub   the watches of this node, replaying from {@code store}
   * @throws IllegalArgumentException when {@code hub} replays from another store
   */
  public KvStateMachine(MvccStore store, WatchHub hub) {
    this(store, hub, StateMachineObserver.NONE, DEFAULT_SNAPSHOT_THRESHOLD);
  }

  /**
   * As {@link #KvStateMachine(MvccStore, WatchHub)}, telling {@code observer} of every snapshot taken or
   * loaded, with a snapshot due every {@code snapshotThreshold} writes (store revisions) or log
   * entries, whichever come first. Ratis asks for snapshots only after its own threshold of
   * entries: set it to at most this (see {@link #takeSnapshot()}).
   */
  public KvStateMachine(MvccStore store, WatchHub hub, StateMachineObserver observer, long snapshotThreshold) {
    this(store, hub, observer, SnapshotWriter.THREAD_PER_WRITE, snapshotThreshold);
  }

  /** @param snapshotWrites runs the writes of snapshots in the background (tests run them when they choose) */
  KvStateMachine(MvccStore store, WatchHub hub, StateMachineObserver observer, Executor snapshotWrites,
      long snapshotThreshold) {
    if (hub.history() != store) {
      throw new IllegalArgumentException("the watch hub must replay from the state machine's store");
    }
    this.store = store;
    this.hub = hub;
    this.observer = observer;
    this.applier = new CommandApplier(store, applied, hub, leases, auth);
    this.snapshots = new SnapshotWriter(store, applied, leases, auth, storage, this::getId, snapshotWrites, observer,
        snapshotThreshold);
  }

  /** The data as applied on this node so far. */
  public KvReadView readView() {
    return store;
  }

  /** The data as applied on this node so far, readable at past revisions as far as they are retained. */
  public ReadView mvccView() {
    return store;
  }

  /** The replicated users, roles and authentication setting as applied on this node so far. */
  public AuthStore auth() {
    return auth;
  }

  /** The replicated lease table as applied on this node so far. */
  public Leases leases() {
    return leases;
  }

  public WatchHub watchHub() {
    return hub;
  }

  /** How far this node has applied the log. */
  public AppliedIndex appliedIndex() {
    return appliedIndex;
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().startAndTransition(() -> {
      loadLatestSnapshotLocked();
      hub.reset(store.revision(), WatchCancellation.Reason.RESET, "state loaded at start");
    }, IOException.class);
  }

  /**
   * Ratis pauses the state machine right before it replaces the snapshot directory with an installed
   * snapshot; first the Raft log writes what it still has queued (see {@link LogWriteBarrier}).
   */
  @Override
  public void pause() {
    snapshots.cancel();
    awaitLogWritten();
    if (getLifeCycle().compareAndTransition(LifeCycle.State.RUNNING, LifeCycle.State.PAUSING)) {
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  private void awaitLogWritten() {
    RaftLog log;
    try {
      RaftServer server = getServer().getNow(null);
      log = server == null ? null : server.getDivision(getGroupId()).getRaftLog();
    } catch (IOException e) {
      log = null;
    }
    if (log == null) {
      return;
    }
    RaftLog raftLog = log;
    LogWriteBarrier.Outcome outcome = new LogWriteBarrier(raftLog::getFlushIndex,
        () -> {
          TermIndex last = raftLog.getLastEntryTermIndex();
          return last == null ? -1 : last.getIndex();
        },
        LOG_WRITE_WAIT).await();
    if (!outcome.written()) {
      LOG.warn("{}: installing a snapshot while the Raft log has written only up to index {} of {} after {} ms;"
          + " Ratis drops the rest, which can stop this server", getId(), outcome.flushed(), outcome.target(),
          outcome.waitedMs());
    } else if (outcome.waitedMs() > 0) {
      LOG.info("{}: the Raft log wrote its queued entries up to index {} in {} ms before the snapshot install",
          getId(), outcome.target(), outcome.waitedMs());
    }
  }

  /** Called after a snapshot from the leader was installed in the state machine directory. */
  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshotLocked();
    hub.reset(store.revision(), WatchCancellation.Reason.RESET, "this node caught up by installing a snapshot"
        + " at revision " + store.revision() + " whose history starts at revision " + (store.compactedRevision() + 1)
        + ", after revisions this watch had yet to receive; watch again from the revision after your last event"
        + " (another node may still have it)");
    if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  private void loadLatestSnapshotLocked() throws IOException {
    applyLock.lock();
    try {
      loadLatestSnapshot();
    } finally {
      applyLock.unlock();
    }
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      LOG.info("{}: no snapshot yet; state comes from replaying the Raft log", getId());
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    // Seconds for a large store: the line before it tells a slow start apart from a stuck one.
    LOG.info("{}: loading snapshot {} ({} bytes)", getId(), file.getName(), file.length());
    long started = System.nanoTime();
    // The digest is checked while reading: one pass over the file instead of two.
    SnapshotFile.Content content = SnapshotFile.read(file, snapshot.getFile().getFileDigest());
    store.reset(content.versions(), content.revision(), content.compactedRevision(), content.changeOrders());
    applied.reset(content.dedup());
    leases.reset(content.leases(), content.versions());
    auth.reset(content.auth());
    setLastAppliedTermIndex(snapshot.getTermIndex());
    appliedIndex.advance(snapshot.getIndex());
    snapshots.loaded(snapshot.getIndex(), content.revision());
    long nanos = System.nanoTime() - started;
    observer.snapshotLoaded(file.length(), nanos);
    LOG.info("{}: loaded snapshot {} (term {}, index {}): {} keys at revision {}, history from revision {}"
        + " ({} versions), {} leases, {} bytes in {} ms", getId(), file.getName(), snapshot.getTerm(),
        snapshot.getIndex(), content.keyCount(), content.revision(), content.compactedRevision(),
        content.versions().size(), content.leases().size(), file.length(), nanos / 1_000_000);
  }

  /**
   * Called by Ratis on the apply thread between two applies: after every batch of applies once its
   * auto-trigger threshold of entries passed since the snapshot it knows of, and when asked through
   * its snapshot management API. Starts a snapshot when one is due (the threshold of writes or of
   * entries since the latest) or was asked for ({@link #requestSnapshot()}); snapshots are written
   * in the background: this returns -1 (no snapshot taken yet) until one is complete, then its
   * index. The last snapshot when the server stops is written at once, so that it holds everything
   * applied.
   */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last.getIndex() < 0) {
      return last.getIndex();
    }
    RaftServer server = getServer().getNow(null);
    boolean stopping = server != null && server.getLifeCycleState().isClosingOrClosed();
    return snapshots.take(last, stopping);
  }

  /**
   * Asks for a snapshot of everything applied so far, written in the background like the automatic
   * ones: the next {@link #takeSnapshot()} starts it (even when it reports an older finished one)
   * and answers -1, and the first call after it finished answers its index. The caller has Ratis
   * make those calls through its snapshot management API and waits for
   * {@link #snapshotInProgress()} in between (the node's {@code OnDemandSnapshot} does).
   *
   * @return the log index the snapshot will cover at least: the last applied one now (-1 before any)
   */
  public long requestSnapshot() {
    long index = getLastAppliedTermIndex().getIndex();
    snapshots.request(index);
    return index;
  }

  /**
   * Completes when the snapshot being written in the background, if any, has ended: normally when
   * it is complete on disk, exceptionally when writing it failed or was cancelled (a snapshot from
   * the leader is being installed). Completed already when none is being written.
   */
  public CompletableFuture<Void> snapshotInProgress() {
    return snapshots.inProgress();
  }

  /**
   * Holds the state as applied so far (between two applies, on any thread: applies wait for the
   * copy of references, microseconds to a few milliseconds for 100,000 remembered requests) for a
   * backup, as a background snapshot holds it. Close it when written; until then compaction keeps
   * the versions it needs. For a backup that holds every acknowledged write, pass a linearizable
   * read barrier first (the node's {@code Maintenance.Backup} does).
   */
  public SnapshotSource openSnapshotSource() {
    applyLock.lock();
    try {
      return new SnapshotSource(store.openView(), applied.copy(), leases.records(), auth.stored());
    } finally {
      applyLock.unlock();
    }
  }

  /**
   * The leader's storage quota: from now on, {@link #startTransaction} stamps the writes that add
   * data while {@code check} reports the storage over its quota, and every replica refuses them
   * at apply ({@code Refusal.NO_SPACE}). {@link StorageQuotaCheck#NONE} (the default) admits all.
   */
  public void checkStorageQuota(StorageQuotaCheck check) {
    storageQuota = Objects.requireNonNull(check, "check");
  }

  /**
   * Rejects malformed commands on the leader, before they reach the log, stamps the writes the
   * storage quota refuses (see {@link #checkStorageQuota}), and keeps the parsed
   * command with the transaction: the leader applies it without parsing it again, and the parse
   * runs on the submitting thread instead of the apply thread, which every write waits for.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext trx = super.startTransaction(request);
    try {
      Command command = Command.parseFrom(request.getMessage().getContent().asReadOnlyByteBuffer());
      String problem = CommandValidation.problem(command);
      if (problem != null) {
        trx.setException(new IllegalArgumentException(problem));
        return trx;
      }
      Optional<QuotaExceeded> overQuota = storageQuota.exceeded();
      Command logged = overQuota.isPresent() ? QuotaStamp.stamp(command, overQuota.get()) : command;
      if (logged != command) {
        // What goes into the log is the stamped command: every replica refuses the same writes.
        return TransactionContext.newBuilder()
            .setStateMachine(this)
            .setClientRequest(request)
            .setLogData(UnsafeByteOperations.unsafeWrap(logged.toByteArray()))
            .setStateMachineContext(logged)
            .build();
      }
      trx.setStateMachineContext(command);
    } catch (InvalidProtocolBufferException e) {
      trx.setException(new IllegalArgumentException("not a kvstore command: " + e.getMessage()));
    }
    return trx;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    CommandResult result;
    applyLock.lock();
    try {
      result = applier.apply(commandOf(trx, entry), entry.getTerm());
    } catch (InvalidProtocolBufferException e) {
      // Every replica sees the same bytes, so skipping the entry keeps them identical.
      LOG.error("{}: skipping unreadable log entry at term {} index {}: {}", getId(), entry.getTerm(),
          entry.getIndex(), e.getMessage());
      result = CommandResult.newBuilder().setRevision(store.revision())
          .setError("unreadable command: " + e.getMessage()).build();
    } finally {
      applyLock.unlock();
    }
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    appliedIndex.advance(entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(result.toByteArray())));
  }

  /** The command the leader parsed in {@link #startTransaction}, or the entry's bytes parsed now (followers, replay). */
  private static Command commandOf(TransactionContext trx, LogEntryProto entry) throws InvalidProtocolBufferException {
    if (trx.getStateMachineContext() instanceof Command parsed) {
      return parsed;
    }
    return Command.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
  }

  /** Entries that are not kvstore commands (configuration, no-ops) count as applied too. */
  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    super.notifyTermIndexUpdated(term, index);
    appliedIndex.advance(index);
  }

  /**
   * Answers another node's {@link PeerQuery} (a Ratis stale read addressed to this node) with
   * {@code handler}, which the node installs once its Raft server runs. Until then, and for any
   * message that is not a PeerQuery, queries fail. Clients' reads never come this way: the node
   * serves them from {@link #readView()}.
   *
   * @param handler answers on the calling Ratis thread or later; must not block
   */
  public void answerPeerQueries(Function<PeerQuery, CompletableFuture<PeerQueryResult>> handler) {
    peerQueries = handler;
  }

  /** What answers peer queries now, as installed by {@link #answerPeerQueries}: for wrapping it (to observe or refuse). */
  public Function<PeerQuery, CompletableFuture<PeerQueryResult>> peerQueryHandler() {
    return peerQueries;
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    PeerQuery question;
    try {
      question = PeerQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      return JavaUtils.completeExceptionally(new IllegalArgumentException("not a kvstore peer query: " + e.getMessage()));
    }
    if (question.getKindCase() == PeerQuery.KindCase.KIND_NOT_SET) {
      return JavaUtils.completeExceptionally(new IllegalArgumentException("a kvstore peer query of an unknown kind"));
    }
    return peerQueries.apply(question).thenApply(
        answer -> Message.valueOf(UnsafeByteOperations.unsafeWrap(answer.toByteArray())));
  }

  /**
   * Registers {@code listener} to be told the id of every new leader this node learns of (itself
   * included), as Ratis reports it. Called on a Ratis thread that holds server state: a listener
   * must return at once and hand any real work to an executor of its own.
   */
  public void addLeaderListener(Consumer<String> listener) {
    leaderListeners.add(listener);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    LOG.info("{}: leader is now {}", groupMemberId, newLeaderId);
    if (newLeaderId == null) {
      return;
    }
    for (Consumer<String> listener : leaderListeners) {
      try {
        listener.accept(newLeaderId.toString());
      } catch (RuntimeException e) {
        LOG.warn("{}: leader listener failed: {}", groupMemberId, e.toString());
      }
    }
  }

  @Override
  public void close() throws IOException {
    snapshots.close();
    hub.cancelAll(WatchCancellation.Reason.SHUTDOWN, "the node is shutting down");
    super.close();
  }
}
