package dev.kvstore.node.api;

import com.google.protobuf.ByteString;
import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupHeader;
import dev.kvstore.api.BackupResponse;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.SnapshotSource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Maintenance.Backup}: streams a backup file of this node's state at one revision, as
 * etcd's {@code Maintenance.Snapshot} streams its database.
 *
 * <p>First a linearizable read barrier (so the revision holds every write acknowledged before the
 * call arrived), then the state is held as a background snapshot holds it
 * ({@link SnapshotSource}: applies go on) and written, in the backup layout of {@link BackupFile},
 * on a thread of its own into messages of at most {@value #CHUNK_BYTES} bytes, each sent only while
 * the call is ready (HTTP/2 flow control), so a slow reader costs no memory. The revision is held
 * until the stream ends: a client that reads nothing for {@link #STALL_LIMIT} gets
 * {@code DEADLINE_EXCEEDED} and the revision is released; a cancelled call releases it at once.
 */
public final class BackupStream {

  private static final Logger LOG = LoggerFactory.getLogger(BackupStream.class);
  /** Bytes of backup per message: well below the 4 MiB a gRPC client accepts by default. */
  static final int CHUNK_BYTES = 1 << 20;
  /** How long a client may leave the stream unread before the node gives up on it. */
  static final Duration STALL_LIMIT = Duration.ofSeconds(60);

  private final Function<Duration, CompletableFuture<SnapshotSource>> sources;
  private final BackupHeader identity;
  private final ResponseHeaders headers;
  private final RequestBudget budget;
  private final Executor writers;
  private final Clock clock;

  /**
   * @param sources  opens the state after a linearizable read barrier that may take at most the
   *                 given time; fails with the request layer's statuses
   * @param identity the cluster and member facts every backup's header carries (cluster id and
   *                 name, member id)
   * @param writers  runs one blocking writer per backup
   */
  public BackupStream(Function<Duration, CompletableFuture<SnapshotSource>> sources, BackupHeader identity,
      ResponseHeaders headers, RequestBudget budget, Executor writers, Clock clock) {
    this.sources = sources;
    this.identity = identity;
    this.headers = headers;
    this.budget = budget;
    this.writers = writers;
    this.clock = clock;
  }

  /** Serves one call; returns at once (the handler thread never blocks). */
  public void serve(ServerCallStreamObserver<BackupResponse> call) {
    ReadyGate gate = new ReadyGate(call);
    call.setOnReadyHandler(gate::signal);
    call.setOnCancelHandler(gate::signal);
    sources.apply(budget.forCurrentCall()).whenComplete((source, error) -> {
      if (error != null) {
        StatusRuntimeException status = RaftFailures.statusOf(error);
        if (!call.isCancelled()) {
          call.onError(status);
        }
        return;
      }
      try {
        writers.execute(() -> write(source, call, gate));
      } catch (RejectedExecutionException e) {
        source.close();
        call.onError(Status.UNAVAILABLE.withDescription("the node is shutting down").asRuntimeException());
      }
    });
  }

  private void write(SnapshotSource source, ServerCallStreamObserver<BackupResponse> call, ReadyGate gate) {
    long started = System.nanoTime();
    BackupHeader header = identity.toBuilder()
        .setFormatVersion(BackupFile.FORMAT_VERSION)
        .setRevision(source.revision())
        .setKeyCount(source.keyCount())
        .setCompactedRevision(source.compactedRevision())
        .setSnapshotFormat(SnapshotSource.format())
        .setCreatedUnixMillis(clock.millis())
        .build();
    try (source; Chunks chunks = new Chunks(call, gate, header)) {
      BackupFile.Writer writer = BackupFile.writer(chunks, header);
      source.writeTo(writer, "the backup stream");
      BackupFile.Summary summary = writer.finish();
      chunks.last(summary);
      call.onCompleted();
      LOG.info("{}: streamed a backup at revision {}: {} keys, {} bytes, SHA-256 {}, in {} ms",
          identity.getMemberId(), header.getRevision(), header.getKeyCount(), summary.sizeBytes(),
          summary.sha256Hex(), (System.nanoTime() - started) / 1_000_000);
    } catch (CallEnded e) {
      LOG.info("{}: backup at revision {} not finished: {}", identity.getMemberId(), header.getRevision(),
          e.getMessage());
      if (e.status != null) {
        call.onError(e.status.asRuntimeException());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: backup at revision {} failed: {}", identity.getMemberId(), header.getRevision(), e.toString());
      if (!call.isCancelled()) {
        call.onError(Status.INTERNAL.withDescription("backup on node " + identity.getMemberId() + " failed: "
            + e.getMessage()).asRuntimeException());
      }
    }
  }

  /** The stream ended before the backup did: cancelled by the client, or stalled. */
  private static final class CallEnded extends InterruptedIOException {
    private static final long serialVersionUID = 1L;
    /** What to close the call with; null when the client cancelled it. */
    private final transient Status status;

    CallEnded(String message, Status status) {
      super(message);
      this.status = status;
    }
  }

  /** Wakes the writer when the call becomes ready or is cancelled. */
  private static final class ReadyGate {
    private final ServerCallStreamObserver<BackupResponse> call;

    ReadyGate(ServerCallStreamObserver<BackupResponse> call) {
      this.call = call;
    }

    synchronized void signal() {
      notifyAll();
    }

    /** Returns once the call is ready for a message. */
    synchronized void awaitReady() throws CallEnded {
      long deadline = System.nanoTime() + STALL_LIMIT.toNanos();
      while (true) {
        if (call.isCancelled()) {
          throw new CallEnded("the client cancelled the call", null);
        }
        if (call.isReady()) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new CallEnded("the client read nothing for " + STALL_LIMIT.toSeconds() + " s",
              Status.DEADLINE_EXCEEDED.withDescription("the backup stream was not read for "
                  + STALL_LIMIT.toSeconds() + " s; the node gave up on it"));
        }
        try {
          // Bounded: a signal between isReady and wait would otherwise be lost until the next one.
          wait(Math.max(1, Math.min(100, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CallEnded("interrupted: the node is shutting down",
              Status.UNAVAILABLE.withDescription("the node is shutting down"));
        }
      }
    }
  }

  /** The backup's bytes as messages of at most {@link #CHUNK_BYTES}, the first with the header's facts. */
  private final class Chunks extends OutputStream {
    private final ServerCallStreamObserver<BackupResponse> call;
    private final ReadyGate gate;
    private final BackupHeader header;
    private final byte[] buffer = new byte[CHUNK_BYTES];
    private int filled;
    private boolean first = true;

    Chunks(ServerCallStreamObserver<BackupResponse> call, ReadyGate gate, BackupHeader header) {
      this.call = call;
      this.gate = gate;
      this.header = header;
    }

    @Override
    public void write(int b) throws IOException {
      if (filled == buffer.length) {
        send(BackupResponse.newBuilder());
      }
      buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      while (length > 0) {
        if (filled == buffer.length) {
          send(BackupResponse.newBuilder());
        }
        int n = Math.min(length, buffer.length - filled);
        System.arraycopy(bytes, offset, buffer, filled, n);
        filled += n;
        offset += n;
        length -= n;
      }
    }

    /** Sends the rest with the file's size and checksum. */
    void last(BackupFile.Summary summary) throws IOException {
      send(BackupResponse.newBuilder().setDone(true).setSizeBytes(summary.sizeBytes())
          .setSha256(ByteString.copyFrom(summary.sha256())));
    }

    private void send(BackupResponse.Builder message) throws IOException {
      gate.awaitReady();
      if (first) {
        message.setHeader(headers.current()).setRevision(header.getRevision()).setKeyCount(header.getKeyCount());
        first = false;
      }
      call.onNext(message.setBlob(ByteString.copyFrom(buffer, 0, filled)).build());
      filled = 0;
    }
  }
}
