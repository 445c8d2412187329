package dev.kvstore.node.ops;

import dev.kvstore.statemachine.StorageQuotaCheck;
import dev.kvstore.statemachine.proto.QuotaExceeded;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's storage quota ({@code --quota-backend-bytes}, etcd's name): what counts is every byte
 * in the node's data directory (the Raft log segments, the snapshots, Raft's metadata), that is
 * what the node puts on its disk, measured every {@link #MEASURE_INTERVAL}. While the measurement
 * is above the quota, {@link #exceeded()} reports it, and this node, when it leads, stamps each
 * write that would add data so that every member refuses it ({@code RESOURCE_EXHAUSTED}, see
 * {@code KvStateMachine#checkStorageQuota}); reads, deletes and compaction go on. The alarm ends by
 * itself at the first measurement at or below the quota (after compaction and snapshots let Ratis
 * purge the log and old snapshots). As etcd's NOSPACE alarm, but decided per write by the leader's
 * own storage, and cleared without an {@code alarm disarm}.
 */
public final class StorageQuota implements StorageQuotaCheck, AutoCloseable {

  /** How often the data directory is measured. */
  public static final Duration MEASURE_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(StorageQuota.class);

  private final String memberId;
  private final long quotaBytes;
  private final LongSupplier usage;
  private volatile long usedBytes;
  private volatile boolean over;
  private ScheduledFuture<?> measurements;

  /**
   * @param memberId   this node's id, named in refusals
   * @param quotaBytes the quota in bytes; 0 = no quota (nothing is measured or refused)
   * @param usage      the bytes in use now (see {@link #directorySize})
   */
  public StorageQuota(String memberId, long quotaBytes, LongSupplier usage) {
    if (quotaBytes < 0) {
      throw new IllegalArgumentException("--quota-backend-bytes is " + quotaBytes + "; give 0 (no quota) or more");
    }
    this.memberId = memberId;
    this.quotaBytes = quotaBytes;
    this.usage = usage;
  }

  /** Measures now, then every {@link #MEASURE_INTERVAL} on {@code scheduler} until closed; nothing when there is no quota. */
  public StorageQuota start(ScheduledExecutorService scheduler) {
    if (quotaBytes > 0) {
      measure();
      measurements = scheduler.scheduleWithFixedDelay(this::measure, MEASURE_INTERVAL.toMillis(),
          MEASURE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** Takes a measurement and raises or clears the alarm; one log line when it changes. */
  public void measure() {
    if (quotaBytes == 0) {
      return;
    }
    long used;
    try {
      used = usage.getAsLong();
    } catch (RuntimeException e) {
      LOG.warn("{}: cannot measure the data directory for the storage quota; keeping the last measurement: {}",
          memberId, e.toString());
      return;
    }
    usedBytes = used;
    boolean nowOver = used > quotaBytes;
    if (nowOver != over) {
      over = nowOver;
      if (nowOver) {
        LOG.warn("{}: storage quota exceeded: the data directory holds {} bytes, above --quota-backend-bytes {};"
            + " while this node leads, writes that add data are refused (compact, delete, take snapshots)",
            memberId, used, quotaBytes);
      } else {
        LOG.info("{}: storage back within quota: {} bytes of {}; writes are accepted again", memberId, used, quotaBytes);
      }
    }
  }

  @Override
  public Optional<QuotaExceeded> exceeded() {
    if (!over) {
      return Optional.empty();
    }
    return Optional.of(QuotaExceeded.newBuilder().setQuotaBytes(quotaBytes).setUsedBytes(usedBytes)
        .setMemberId(memberId).build());
  }

  /** The bytes of the last measurement (0 before the first, or without a quota). */
  public long usedBytes() {
    return usedBytes;
  }

  /** The quota in bytes; 0 = no quota. */
  public long quotaBytes() {
    return quotaBytes;
  }

  /** Whether the last measurement was above the quota: the alarm is raised (always false without a quota). */
  public boolean isExceeded() {
    return over;
  }

  /**
   * The bytes of every regular file under {@code dir}, recursively. Files that vanish while it
   * counts (a purged log segment, a replaced snapshot) count as nothing.
   */
  public static long directorySize(Path dir) {
    long[] total = new long[1];
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (attributes.isRegularFile()) {
            total[0] += attributes.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total[0];
  }

  @Override
  public void close() {
    if (measurements != null) {
      measurements.cancel(false);
    }
  }
}
