package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.StoredAuth;
import dev.kvstore.statemachine.proto.StoredLease;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The replicated state of one node at one store revision (keys with their history, remembered
 * request results, leases, users and roles), held while it is written out, as a snapshot is: what a
 * backup streams. Opened by {@link KvStateMachine#openSnapshotSource()}; applies go on meanwhile,
 * and compaction keeps what the revision needs until {@link #close()}.
 */
public final class SnapshotSource implements AutoCloseable {

  private final MvccStore.RevisionView view;
  private final AppliedRequests.Copy dedup;
  private final List<StoredLease> leases;
  private final StoredAuth auth;

  SnapshotSource(MvccStore.RevisionView view, AppliedRequests.Copy dedup, List<StoredLease> leases, StoredAuth auth) {
    this.view = view;
    this.dedup = dedup;
    this.leases = leases;
    this.auth = auth;
  }

  /** The store revision held. */
  public long revision() {
    return view.revision();
  }

  /** Keys that exist at {@link #revision()}. */
  public long keyCount() {
    return view.size();
  }

  /** The oldest revision readable from the history written. */
  public long compactedRevision() {
    return view.compactedRevision();
  }

  /** The version of the snapshot format {@link #writeTo} writes. */
  public static int format() {
    return SnapshotFile.FORMAT_VERSION;
  }

  /**
   * Writes the state in the snapshot format (the bytes a node writes as its Raft snapshot) to
   * {@code sink}, which is flushed, not closed. Any one thread; using at most
   * {@link SnapshotWriter#BACKGROUND_CPU_SHARE} of a core, as background snapshots do.
   *
   * @param what names the destination in error messages
   * @throws IOException when {@code sink} fails
   * @throws IllegalStateException when this source is closed while it is written
   */
  public void writeTo(OutputStream sink, String what) throws IOException {
    SnapshotFile.write(sink, view, dedup.records(), leases, auth,
        CpuPacing.ofCurrentThread(SnapshotWriter.BACKGROUND_CPU_SHARE), what);
  }

  /** Releases the revision (a write in progress then fails). Idempotent. */
  @Override
  public void close() {
    view.close();
  }
}
