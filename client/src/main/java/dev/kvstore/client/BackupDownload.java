package dev.kvstore.client;

import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupFileException;
import dev.kvstore.api.BackupRequest;
import dev.kvstore.api.BackupResponse;
import dev.kvstore.api.MaintenanceGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Saves what {@code Maintenance.Backup} streams into a file, as etcdctl's {@code snapshot save}:
 * into {@code FILE.part} first, which becomes {@code FILE} (replacing it) only once the whole
 * backup arrived, is on disk and verifies: its trailer's SHA-256 matches its bytes and the checksum
 * and size the node announced at the end of the stream. A node that cannot serve it (unavailable,
 * or the stream broke) is left for the next endpoint, which starts the backup again from scratch;
 * a refusal (no permission, bad request) ends it. Whatever fails, no {@code FILE.part} is left.
 */
final class BackupDownload {

  private final EndpointChannels channels;
  private final List<Endpoint> endpoints;
  private final Duration timeout;

  /**
   * @param endpoints tried in this order, each at most once
   * @param timeout   the whole download, every attempt included
   */
  BackupDownload(EndpointChannels channels, List<Endpoint> endpoints, Duration timeout) {
    this.channels = channels;
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
  }

  /** The temporary file a download of {@code target} writes. */
  static Path partFile(Path target) {
    return target.resolveSibling(target.getFileName() + ".part");
  }

  BackupFile.Summary saveTo(Path target) {
    Path part = partFile(target);
    long deadline = System.nanoTime() + timeout.toNanos();
    List<AttemptFailure> failures = new ArrayList<>();
    try {
      for (Endpoint endpoint : endpoints) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          BackupFile.Summary saved = attempt(endpoint, part, left);
          move(part, target);
          return saved;
        } catch (StatusRuntimeException e) {
          failures.add(new AttemptFailure(endpoint, e.getStatus(), false));
          if (!FailoverCaller.RETRYABLE.contains(e.getStatus().getCode())) {
            throw failed(e.getStatus().getCode(), failures);
          }
        }
      }
      if (failures.isEmpty()) {
        throw new KvClientException(Status.Code.DEADLINE_EXCEEDED, "Backup failed: no time left for an attempt within "
            + DurationText.of(timeout), false, null);
      }
      throw failed(failures.get(failures.size() - 1).status().getCode(), failures);
    } finally {
      try {
        Files.deleteIfExists(part);
      } catch (IOException e) {
        // The next save truncates it; the failure the caller sees matters more.
      }
    }
  }

  private static KvClientException failed(Status.Code code, List<AttemptFailure> failures) {
    return new KvClientException(code, "Backup failed: "
        + failures.stream().map(AttemptFailure::describe).collect(Collectors.joining(", ")), false, null);
  }

  /**
   * One whole download from {@code endpoint} into {@code part}, verified.
   *
   * @throws StatusRuntimeException when the call failed or the stream ended early (UNAVAILABLE),
   *     or what arrived does not verify (DATA_LOSS)
   */
  private BackupFile.Summary attempt(Endpoint endpoint, Path part, long leftNanos) {
    Context.CancellableContext call = Context.current().withCancellation();
    Context previous = call.attach();
    BackupResponse first = null;
    BackupResponse last = null;
    try (FileChannel file = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      Iterator<BackupResponse> stream = MaintenanceGrpc.newBlockingStub(channels.channelFor(endpoint))
          .withDeadlineAfter(leftNanos, TimeUnit.NANOSECONDS)
          .backup(BackupRequest.getDefaultInstance());
      while (stream.hasNext()) {
        BackupResponse message = stream.next();
        if (first == null) {
          first = message;
        }
        ByteBuffer blob = message.getBlob().asReadOnlyByteBuffer();
        while (blob.hasRemaining()) {
          file.write(blob);
        }
        if (message.getDone()) {
          last = message;
          break;
        }
      }
      if (last == null) {
        throw Status.UNAVAILABLE.withDescription("the backup stream ended before the backup was complete")
            .asRuntimeException();
      }
      file.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
    } finally {
      call.detach(previous);
      // Ends the stream if it is still open (an error above, or a message after the last).
      call.cancel(null);
    }
    return verified(endpoint, part, first, last);
  }

  private static BackupFile.Summary verified(Endpoint endpoint, Path part, BackupResponse first, BackupResponse last) {
    BackupFile.Summary summary;
    try {
      summary = BackupFile.verify(part);
    } catch (BackupFileException e) {
      throw Status.DATA_LOSS.withDescription("the backup " + endpoint + " sent does not verify: " + e.getMessage())
          .asRuntimeException();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back " + part + ": " + e.getMessage(), e);
    }
    if (summary.sizeBytes() != last.getSizeBytes() || !Arrays.equals(summary.sha256(), last.getSha256().toByteArray())
        || summary.revision() != first.getRevision()) {
      throw Status.DATA_LOSS.withDescription("the backup " + endpoint + " sent is not the one it announced: "
          + summary.sizeBytes() + " bytes with SHA-256 " + summary.sha256Hex() + " at revision " + summary.revision()
          + ", announced " + last.getSizeBytes() + " bytes at revision " + first.getRevision()).asRuntimeException();
    }
    return summary;
  }

  private static void move(Path part, Path target) {
    try {
      try {
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + part + " to " + target + ": " + e.getMessage(), e);
    }
  }
}
