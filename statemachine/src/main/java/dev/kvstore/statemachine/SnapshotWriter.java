package dev.kvstore.statemachine;

import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.StoredAuth;
import dev.kvstore.statemachine.proto.StoredLease;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the snapshots Ratis asks {@link KvStateMachine#takeSnapshot()} for, without holding up the
 * apply thread while Ratis goes on running.
 *
 * <p>How Ratis 3.3.0 uses the answer ({@code StateMachineUpdater.takeSnapshot}): it calls on its
 * apply thread; an index {@code >= 0} becomes its snapshot index and it purges the log up to it,
 * so a complete snapshot at that index must be on disk by then; a negative answer means no
 * snapshot was taken (nothing recorded, purged or logged). It answers a snapshot request of its
 * snapshot management API with the same index, whatever it is.
 *
 * <ul>
 *   <li><b>While the server runs</b> (Ratis asks because its auto-trigger threshold of entries
 *       were applied since the last index it was given, and then again after every batch of
 *       applies until it gets one; or because its snapshot management API was called): a snapshot
 *       is due once {@code threshold} writes (store revisions) or {@code threshold} log entries
 *       were applied since the latest complete one. Writes are what a restart replays, and one log
 *       entry carries a whole batch of them under load (kvstore's group commit: 15 per entry were
 *       seen with 128 writes in flight), so counting entries alone let the log, and a restart's
 *       replay, grow fifteen times larger than the threshold says; entries count too because read
 *       barriers are entries without writes. Ratis's own threshold is therefore set low (the node
 *       sets it to at most 1,024 entries) so that it asks often enough, and calls that find no
 *       snapshot due answer -1. When one is due, the apply thread only opens a
 *       {@link MvccStore.RevisionView} (which holds that revision's versions) and copies the remembered requests' references
 *       ({@link AppliedRequests#copy()}); a thread of its own writes the file while applies go on,
 *       using at most {@link #BACKGROUND_CPU_SHARE} of a core, and -1 is answered meanwhile. The
 *       first call after the write finished answers its index.
 *   <li><b>When the server stops</b> the last snapshot must hold everything applied, so that a
 *       restart finds it all: it is written at once on the calling thread, after any write in the
 *       background finished. That stalls applies, which have ended by then.
 * </ul>
 *
 * <p><b>Snapshots on demand</b> ({@code Maintenance.Snapshot}): the node first calls
 * {@link #request} with the index to cover, then has Ratis call {@code takeSnapshot} through its
 * API (which answers -1 and starts a write), waits for {@link #inProgress()}, and has Ratis call
 * again, which then answers the finished snapshot's index. A request makes the next call start a
 * write even if it reports a finished one, which may be older than what was asked for.
 *
 * <p>Ratis's snapshot index is mirrored: the last index answered, or loaded at start or from an
 * installed snapshot ({@link #loaded}), which is what Ratis starts from and reloads. A call that
 * finds a finished snapshot Ratis has not been told of reports it.
 *
 * <p>When writes stop right after a background write, Ratis hears of the finished snapshot (and
 * purges the log) only with its next call; the snapshot is on disk, offered to followers and
 * loaded at restart from the moment it is complete.
 */
final class SnapshotWriter {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);

  /**
   * Share of one core a write in the background may use (see {@link CpuPacing}): a million keys of
   * 256 bytes, about one second of CPU, then take about four. The snapshot taken when the server
   * stops is not paced.
   */
  static final double BACKGROUND_CPU_SHARE = 0.25;

  /** Runs each background write on a daemon thread of its own: snapshots are minutes apart. */
  static final Executor THREAD_PER_WRITE = write -> {
    Thread thread = new Thread(write, "kvstore-snapshot-writer");
    thread.setDaemon(true);
    thread.start();
  };

  /** A finished write, for its log line. */
  private record Written(SingleFileSnapshotInfo info, MvccStore.RevisionView view, long bytes, long writeMillis) {

    String summary() {
      return "term " + info.getTerm() + " index " + info.getIndex() + ": " + view.size() + " keys at revision "
          + view.revision() + ", " + bytes + " bytes in " + writeMillis + " ms";
    }
  }

  private record InFlight(TermIndex at, MvccStore.RevisionView view, CompletableFuture<Written> written) {}

  private final MvccStore store;
  private final AppliedRequests applied;
  private final Leases leases;
  private final AuthStore auth;
  private final SnapshotStorage storage;
  private final Supplier<Object> name;
  private final Executor background;
  private final StateMachineObserver observer;
  private final long threshold;
  // Guarded by this.
  private long reportedIndex = -1;
  /** Store revision of the latest complete snapshot (0: none). */
  private long latestRevision;
  /** The highest index a snapshot was asked for on demand; -1: none. */
  private long requestedIndex = -1;
  private InFlight inFlight;

  /**
   * @param name       what log lines name the owner by (read when logging, so it may be set up later)
   * @param background runs background writes ({@link #THREAD_PER_WRITE}; tests pass their own)
   * @param observer   told of every snapshot written (size, duration)
   * @param threshold  writes (store revisions), or log entries, applied since the latest snapshot
   *                   that make the next one due (at least 1)
   */
  SnapshotWriter(MvccStore store, AppliedRequests applied, SnapshotStorage storage, Supplier<Object> name,
      Executor background, StateMachineObserver observer, long threshold) {
    this(store, applied, new Leases(), new AuthStore(), storage, name, background, observer, threshold);
  }

  /**
   * @param leases the lease table, copied with the view on the apply thread (one record per lease)
   * @param auth   the users and roles, copied with the view on the apply thread
   */
  SnapshotWriter(MvccStore store, AppliedRequests applied, Leases leases, AuthStore auth, SnapshotStorage storage,
      Supplier<Object> name, Executor background, StateMachineObserver observer, long threshold) {
    if (threshold < 1) {
      throw new IllegalArgumentException("snapshot threshold must be at least 1, got " + threshold);
    }
    this.store = store;
    this.applied = applied;
    this.leases = leases;
    this.auth = auth;
    this.storage = storage;
    this.name = name;
    this.background = background;
    this.observer = observer;
    this.threshold = threshold;
  }

  /**
   * The state was loaded from the snapshot at log index {@code index} and store revision
   * {@code revision} (index -1: none): Ratis's snapshot index is that now.
   */
  synchronized void loaded(long index, long revision) {
    reportedIndex = index;
    latestRevision = revision;
  }

  /**
   * Asks for a snapshot that covers log index {@code index}: the next {@link #take} that finds no
   * write in progress starts one, even when it reports a finished snapshot older than that.
   */
  synchronized void request(long index) {
    requestedIndex = Math.max(requestedIndex, index);
  }

  /**
   * Completes when the write in the background, if any, has ended: normally when it finished,
   * exceptionally when it failed or was cancelled. Completed already when none is in progress.
   */
  synchronized CompletableFuture<Void> inProgress() {
    return inFlight == null ? CompletableFuture.completedFuture(null) : inFlight.written().thenApply(w -> null);
  }

  /**
   * Answers Ratis's {@code takeSnapshot} for the state applied up to {@code at}; call on the apply
   * thread, between two applies.
   *
   * @param stopping true when the server is stopping: the snapshot is then written at once
   * @return the index of a complete snapshot Ratis may record and purge the log up to, or -1
   * @throws IOException when writing failed (also a background write, reported at the next call)
   */
  synchronized long take(TermIndex at, boolean stopping) throws IOException {
    return stopping ? takeNow(at) : takeInBackground(at);
  }

  private long takeInBackground(TermIndex at) throws IOException {
    if (inFlight != null) {
      if (!inFlight.written().isDone()) {
        return -1;
      }
      try {
        collect();
      } catch (IOException e) {
        if (requestedIndex <= storage.latestIndex()) {
          throw e;
        }
        // Whoever asked has been told by inProgress(); Ratis would hold its request until it times out.
        LOG.warn("{}: {}; starting another for the snapshot asked for at index {}", name.get(), e.getMessage(),
            requestedIndex);
      }
    }
    long latest = storage.latestIndex();
    boolean news = latest > reportedIndex;
    boolean due = at.getIndex() - Math.max(latest, 0) >= threshold || store.revision() - latestRevision >= threshold;
    // Reporting a finished snapshot is enough for Ratis: it asks again only a threshold later.
    // Someone who asked for a newer one waits for it.
    if (at.getIndex() > latest && (requestedIndex > latest || (due && !news))) {
      start(at);
    }
    return news || latest >= at.getIndex() ? report(latest) : -1;
  }

  private void start(TermIndex at) {
    long started = System.nanoTime();
    MvccStore.RevisionView view = store.openView();
    AppliedRequests.Copy dedup = applied.copy();
    List<StoredLease> leaseRecords = leases.records();
    StoredAuth authRecord = auth.stored();
    long pauseMicros = (System.nanoTime() - started) / 1000;
    CompletableFuture<Written> written = new CompletableFuture<>();
    Runnable task = () -> {
      try {
        Written w = write(at, view, dedup, leaseRecords, authRecord, CpuPacing.ofCurrentThread(BACKGROUND_CPU_SHARE));
        LOG.info("{}: took snapshot in the background at {}; applies paused {} us to start it; {} revisions"
            + " applied meanwhile", name.get(), w.summary(), pauseMicros, store.currentRevision() - view.revision());
        written.complete(w);
      } catch (IOException | RuntimeException | Error e) {
        written.completeExceptionally(e);
      }
    };
    try {
      background.execute(task);
    } catch (RuntimeException e) {
      view.close();
      throw e;
    }
    inFlight = new InFlight(at, view, written);
  }

  private long takeNow(TermIndex at) throws IOException {
    if (inFlight != null) {
      try {
        collect();
      } catch (IOException e) {
        LOG.warn("{}: {}; writing one at index {} now", name.get(), e.getMessage(), at.getIndex());
      }
    }
    long latest = storage.latestIndex();
    if (at.getIndex() > latest) {
      Written w = write(at, store.openView(), applied.copy(), leases.records(), auth.stored(), CpuPacing.NONE);
      LOG.info("{}: took snapshot at {}", name.get(), w.summary());
      latest = w.info().getIndex();
      latestRevision = w.view().revision();
    }
    return report(latest);
  }

  private Written write(TermIndex at, MvccStore.RevisionView view, AppliedRequests.Copy dedup,
      List<StoredLease> leaseRecords, StoredAuth authRecord, CpuPacing pacing) throws IOException {
    long started = System.nanoTime();
    try (view) {
      SingleFileSnapshotInfo info = storage.write(at,
          file -> SnapshotFile.write(file, view, dedup.records(), leaseRecords, authRecord, pacing));
      long bytes = info.getFile().getPath().toFile().length();
      long nanos = System.nanoTime() - started;
      observer.snapshotTaken(bytes, nanos);
      return new Written(info, view, bytes, nanos / 1_000_000);
    }
  }

  /** Waits for the write in the background to end and forgets it. */
  private void collect() throws IOException {
    InFlight done = inFlight;
    inFlight = null;
    try {
      latestRevision = Math.max(latestRevision, done.written().get().view().revision());
    } catch (ExecutionException e) {
      throw new IOException("the snapshot at index " + done.at().getIndex() + " written in the background failed: "
          + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the snapshot at index " + done.at().getIndex());
    }
  }

  private long report(long index) {
    reportedIndex = Math.max(reportedIndex, index);
    return index;
  }

  /**
   * Stops a write in the background and waits until it has ended, so that nothing writes into the
   * snapshot directory any more (Ratis is about to replace it with an installed snapshot). A write
   * that already finished stays.
   */
  synchronized void cancel() {
    if (inFlight != null) {
      inFlight.view().close();
      finishQuietly("cancelled");
    }
  }

  /** Waits for a write in the background to finish (the node is stopping: let it complete). */
  synchronized void close() {
    if (inFlight != null) {
      finishQuietly("not finished at close");
    }
  }

  private void finishQuietly(String why) {
    long index = inFlight.at().getIndex();
    try {
      collect();
    } catch (IOException e) {
      LOG.info("{}: snapshot at index {} {}: {}", name.get(), index, why, e.getMessage());
    }
  }
}
