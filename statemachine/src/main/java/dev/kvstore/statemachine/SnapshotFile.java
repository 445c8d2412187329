package dev.kvstore.statemachine;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.kvstore.statemachine.proto.DedupRecord;
import dev.kvstore.statemachine.proto.RevisionOrder;
import dev.kvstore.statemachine.proto.SnapshotCompression;
import dev.kvstore.statemachine.proto.SnapshotHeader;
import dev.kvstore.statemachine.proto.StoredAuth;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import dev.kvstore.statemachine.proto.StoredLease;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The on-disk snapshot layout: a header, then every retained version of every key in key order
 * (within a key in revision order, deletions included) ended by a record with an empty key, then the
 * remembered request results, then the leases and the order of the changes of each retained
 * revision that changed several keys (format 3), then the users, roles and authentication setting
 * (format 4, one record), each a length-delimited protobuf message
 * (as {@code writeDelimitedTo} writes it). Format 5 passes every record after the header through the
 * codec the header names, zstd by default: one stream, so a snapshot file is compressed on disk
 * and on its way to a follower (Ratis sends the file's bytes), and the MD5 covers what is stored. A lease's keys are not listed: they are the live keys
 * that name it. Format 3 is format 4 without the auth record, format 2 is format 3 without leases (written before they existed); format 1, written before the store kept history, has one record per live key and no
 * end record; it is still read. Written to a temporary file, forced to disk and renamed, so a crash never leaves a partial
 * snapshot under the final name.
 *
 * <p>Both directions stream the records through one {@link CodedOutputStream} /
 * {@link CodedInputStream} with a 256 KiB buffer rather than a stream object per record; the bytes
 * are the same.
 *
 * <p>A write forces what it wrote to disk every {@value #SYNC_BYTES} bytes instead of only at the
 * end: otherwise hundreds of megabytes sit in the page cache until the final force, which then
 * saturates the disk at once, and the Raft log's own flushes, which every write waits for, queue
 * behind it (three nodes snapshotting a million keys at once flush 900 MB).
 */
final class SnapshotFile {

  static final int FORMAT_VERSION = 5;
  /** The format before compression: everything after the header as written. */
  static final int FORMAT_UNCOMPRESSED = 4;
  /** The format before the auth state: history, leases, revision orders. */
  static final int FORMAT_NO_AUTH = 3;
  /** The format before leases: history, no leases. */
  static final int FORMAT_NO_LEASES = 2;
  /** The format before the multi-version store: the live key-values only. */
  static final int FORMAT_LIVE_ONLY = 1;
  private static final int BUFFER_BYTES = 256 << 10;
  /**
   * zstd's level for snapshots: 1, its fastest, because a node writes snapshots beside its applies
   * on few cores; higher levels were not measured (sizes and times at level 1: docs/benchmarks.md,
   * "Snapshot compression").
   */
  static final int ZSTD_LEVEL = 1;
  /** Key-values written between two ticks of the pacing: about a megabyte with 256-byte values. */
  private static final int RECORDS_PER_TICK = 4096;
  /** Bytes written between two forces of the file to disk. */
  static final long SYNC_BYTES = 8L << 20;

  /**
   * What a snapshot holds.
   *
   * @param versions          every retained version in key order and within a key in ascending
   *                          revision, as {@link MvccStore#reset(List, long, long)} takes them
   * @param compactedRevision the oldest revision readable from {@code versions}
   * @param keyCount          keys that exist at {@code revision}
   * @param auth              the auth state (empty, authentication off, for formats before 4)
   */
  record Content(long revision, long compactedRevision, List<KeyValue> versions, long keyCount,
      List<DedupRecord> dedup, List<StoredLease> leases, Map<Long, String[]> changeOrders, StoredAuth auth) {}

  private SnapshotFile() {}

  /**
   * Writes the key-values of {@code view} and {@code dedup} to {@code file}; returns the MD5 of
   * what was written. Any thread: the view stays exact while the store changes.
   *
   * @throws IOException when writing fails, or when the view yields another number of key-values
   *     than it had at its revision (then nothing is left under {@code file})
   * @throws IllegalStateException when the view is closed while it is written (nothing is left either)
   */
  static MD5Hash write(File file, MvccStore.RevisionView view, List<DedupRecord> dedup) throws IOException {
    return write(file, view, dedup, List.of(), CpuPacing.NONE);
  }

  /**
   * As {@link #write(File, MvccStore.RevisionView, List)} with the lease table as of the view's
   * revision, ticking {@code pacing} as it goes.
   */
  static MD5Hash write(File file, MvccStore.RevisionView view, List<DedupRecord> dedup, List<StoredLease> leases,
      CpuPacing pacing) throws IOException {
    return write(file, view, dedup, leases, StoredAuth.getDefaultInstance(), pacing);
  }

  /**
   * As {@link #write(File, MvccStore.RevisionView, List, List, CpuPacing)} with the auth state as of
   * the view's revision, zstd-compressed.
   */
  static MD5Hash write(File file, MvccStore.RevisionView view, List<DedupRecord> dedup, List<StoredLease> leases,
      StoredAuth auth, CpuPacing pacing) throws IOException {
    return write(file, view, dedup, leases, auth, pacing, SnapshotCompression.SNAPSHOT_COMPRESSION_ZSTD);
  }

  /** As {@link #write(File, MvccStore.RevisionView, List, List, StoredAuth, CpuPacing)} with the records' codec. */
  static MD5Hash write(File file, MvccStore.RevisionView view, List<DedupRecord> dedup, List<StoredLease> leases,
      StoredAuth auth, CpuPacing pacing, SnapshotCompression compression) throws IOException {
    MessageDigest md5 = MD5FileUtil.newMD5();
    AtomicFileOutputStream atomic = new AtomicFileOutputStream(file);
    DigestOutputStream digested = new DigestOutputStream(atomic, md5);
    // Forcing through a second channel flushes the file's pages whichever descriptor wrote them.
    try (FileChannel sync = FileChannel.open(AtomicFileOutputStream.getTemporaryFile(file).toPath(),
        StandardOpenOption.WRITE)) {
      writeContent(digested, view, dedup, leases, auth, pacing, compression, () -> sync.force(false), file.toString());
    } catch (IOException | RuntimeException e) {
      // Closing would rename the partial file to the final name: abort deletes it instead.
      atomic.abort();
      throw e;
    }
    // Flushed in writeRecords, so this only forces the rest to disk and renames the file.
    atomic.close();
    return MD5Hash.newInstance(md5.digest());
  }

  /**
   * Writes the same bytes as {@link #write(File, MvccStore.RevisionView, List, List, StoredAuth, CpuPacing)}
   * to {@code sink} (not closed, flushed at the end), ticking {@code pacing}: what a backup carries.
   *
   * @param what names the destination in errors
   * @throws IOException as the file variant, or when {@code sink} fails
   */
  static void write(OutputStream sink, MvccStore.RevisionView view, List<DedupRecord> dedup, List<StoredLease> leases,
      StoredAuth auth, CpuPacing pacing, String what) throws IOException {
    writeContent(sink, view, dedup, leases, auth, pacing, SnapshotCompression.SNAPSHOT_COMPRESSION_ZSTD, () -> { },
        what);
    sink.flush();
  }

  /** Forces what was written so far to disk; nothing for a stream. */
  @FunctionalInterface
  private interface Sync {
    void force() throws IOException;
  }

  /** The header, then the records through the codec; {@code sink} stays open. */
  private static void writeContent(OutputStream sink, MvccStore.RevisionView view, List<DedupRecord> dedup,
      List<StoredLease> leases, StoredAuth auth, CpuPacing pacing, SnapshotCompression compression, Sync sync,
      String what) throws IOException {
    // Walked once: the header counts the orders the records then carry.
    Map<Long, String[]> orders = view.changeOrders();
    header(view, dedup.size(), leases.size(), orders.size(), compression).writeDelimitedTo(sink);
    // Closing ends the codec's stream (also on failure, releasing its native memory); the sink itself
    // stays open (for the file: atomic.close() or abort()).
    try (OutputStream body = encoder(sink, compression)) {
      writeRecords(CodedOutputStream.newInstance(body, BUFFER_BYTES), view, dedup, leases, orders, auth, pacing, sync,
          what);
    }
  }

  private static SnapshotHeader header(MvccStore.RevisionView view, int dedupCount, int leaseCount, int orderCount,
      SnapshotCompression compression) {
    return SnapshotHeader.newBuilder()
        .setFormatVersion(FORMAT_VERSION)
        .setRevision(view.revision())
        .setKeyCount(view.size())
        .setDedupCount(dedupCount)
        .setCompactedRevision(view.compactedRevision())
        .setLeaseCount(leaseCount)
        .setRevisionOrderCount(orderCount)
        .setCompression(compression)
        .build();
  }

  /** The stream the records go through to {@code file}; closing it ends the codec's stream only. */
  private static OutputStream encoder(OutputStream file, SnapshotCompression compression) throws IOException {
    OutputStream unclosed = new FilterOutputStream(file) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
    return switch (compression) {
      case SNAPSHOT_COMPRESSION_NONE -> unclosed;
      case SNAPSHOT_COMPRESSION_ZSTD -> new ZstdOutputStream(unclosed, ZSTD_LEVEL);
      case UNRECOGNIZED -> throw new IllegalArgumentException("no snapshot codec " + compression);
    };
  }

  private static void writeRecords(CodedOutputStream out, MvccStore.RevisionView view, List<DedupRecord> dedup,
      List<StoredLease> leases, Map<Long, String[]> orders, StoredAuth auth, CpuPacing pacing, Sync sync, String file)
      throws IOException {
    long bytes = 0;
    long synced = 0;
    long written = 0;
    long live = 0;
    KeyValue previous = null;
    for (Iterator<KeyValue> it = view.versions(); it.hasNext(); written++) {
      if (written % RECORDS_PER_TICK == 0) {
        pacing.tick();
        if (bytes - synced >= SYNC_BYTES) {
          synced = bytes;
          sync.force();
        }
      }
      KeyValue kv = it.next();
      if (previous != null && !previous.key().equals(kv.key()) && !MvccStore.isTombstone(previous)) {
        live++;
      }
      previous = kv;
      bytes += writeDelimited(kv.toStored(), out);
    }
    if (previous != null && !MvccStore.isTombstone(previous)) {
      live++;
    }
    writeDelimited(StoredKeyValue.getDefaultInstance(), out);
    if (live != view.size()) {
      throw new IOException("the view at revision " + view.revision() + " yielded " + live
          + " keys but held " + view.size() + " at that revision; snapshot " + file + " not written");
    }
    for (DedupRecord r : dedup) {
      writeDelimited(r, out);
    }
    for (StoredLease l : leases) {
      writeDelimited(l, out);
    }
    for (Map.Entry<Long, String[]> order : orders.entrySet()) {
      writeDelimited(RevisionOrder.newBuilder().setRevision(order.getKey())
          .addAllKeys(Arrays.asList(order.getValue())).build(), out);
    }
    writeDelimited(auth, out);
    out.flush();
  }

  /** Writes {@code message} with its length first; returns the bytes written. */
  private static int writeDelimited(MessageLite message, CodedOutputStream out) throws IOException {
    int size = message.getSerializedSize();
    out.writeUInt32NoTag(size);
    message.writeTo(out);
    return CodedOutputStream.computeUInt32SizeNoTag(size) + size;
  }

  /**
   * Reads a snapshot in one pass, checking its MD5 on the way when {@code expectedMd5} is given
   * (the digest Ratis keeps beside the file; null when there is none).
   *
   * @throws IOException when the file is empty, truncated, of another format version, longer than
   *     its records, or does not match {@code expectedMd5}
   */
  static Content read(File file, MD5Hash expectedMd5) throws IOException {
    MessageDigest md5 = MD5FileUtil.newMD5();
    try (InputStream raw = Files.newInputStream(file.toPath())) {
      // The digest sees every byte of the file: the header as read, then what the codec reads.
      DigestInputStream digested = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), md5);
      SnapshotHeader header = readHeader(digested, file);
      int format = header.getFormatVersion();
      if (format < FORMAT_LIVE_ONLY || format > FORMAT_VERSION) {
        throw new IOException("snapshot " + file + " has format version " + format + "; this build reads versions "
            + FORMAT_LIVE_ONLY + " to " + FORMAT_VERSION);
      }
      SnapshotCompression compression = format > FORMAT_UNCOMPRESSED ? header.getCompression()
          : SnapshotCompression.SNAPSHOT_COMPRESSION_NONE;
      if (compression == SnapshotCompression.UNRECOGNIZED) {
        throw new IOException("snapshot " + file + " names a codec this build does not know (compression "
            + header.getCompressionValue() + "); it reads none and zstd");
      }
      InputStream body = decoder(digested, compression);
      CodedInputStream in = CodedInputStream.newInstance(body, BUFFER_BYTES);
      List<KeyValue> versions = new ArrayList<>((int) Math.min(header.getKeyCount(), 1 << 24));
      if (format == FORMAT_LIVE_ONLY) {
        for (long i = 0; i < header.getKeyCount(); i++) {
          versions.add(KeyValue.of(readDelimited(in, StoredKeyValue.parser(), file, "key-value", i)));
        }
      } else {
        for (long i = 0; ; i++) {
          StoredKeyValue stored = readDelimited(in, StoredKeyValue.parser(), file, "version", i);
          if (stored.getKey().isEmpty()) {
            break;
          }
          versions.add(KeyValue.of(stored));
        }
      }
      List<DedupRecord> dedup = new ArrayList<>((int) Math.min(header.getDedupCount(), 1 << 20));
      for (long i = 0; i < header.getDedupCount(); i++) {
        dedup.add(readDelimited(in, DedupRecord.parser(), file, "request record", i));
      }
      List<StoredLease> leases = new ArrayList<>((int) Math.min(header.getLeaseCount(), 1 << 20));
      for (long i = 0; i < header.getLeaseCount(); i++) {
        leases.add(readDelimited(in, StoredLease.parser(), file, "lease", i));
      }
      Map<Long, String[]> orders = new HashMap<>();
      for (long i = 0; i < header.getRevisionOrderCount(); i++) {
        RevisionOrder order = readDelimited(in, RevisionOrder.parser(), file, "revision order", i);
        orders.put(order.getRevision(), order.getKeysList().toArray(new String[0]));
      }
      StoredAuth auth = format > FORMAT_NO_AUTH ? readDelimited(in, StoredAuth.parser(), file, "auth state", 0)
          : StoredAuth.getDefaultInstance();
      if (!atEnd(in, digested)) {
        throw new IOException("snapshot " + file + " has data after its last record");
      }
      MD5Hash actual = MD5Hash.newInstance(md5.digest());
      if (expectedMd5 != null && !expectedMd5.equals(actual)) {
        throw new IOException("snapshot " + file + " has MD5 " + actual + " but its .md5 file says "
            + expectedMd5 + ": the file is corrupt");
      }
      long compacted = format == FORMAT_LIVE_ONLY ? header.getRevision() : header.getCompactedRevision();
      return new Content(header.getRevision(), compacted, versions, header.getKeyCount(), dedup, leases, orders,
          auth);
    }
  }

  /** Whether both the records and the file end here; a codec that fails on what follows says no. */
  private static boolean atEnd(CodedInputStream records, InputStream file) {
    try {
      return records.isAtEnd() && file.read() == -1;
    } catch (IOException e) {
      return false;
    }
  }

  private static SnapshotHeader readHeader(InputStream in, File file) throws IOException {
    SnapshotHeader header;
    try {
      header = SnapshotHeader.parseDelimitedFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("snapshot " + file + " is truncated or corrupt at header #0: " + e.getMessage(), e);
    }
    if (header == null) {
      throw new IOException("snapshot " + file + " is empty");
    }
    return header;
  }

  private static InputStream decoder(InputStream file, SnapshotCompression compression) throws IOException {
    return switch (compression) {
      case SNAPSHOT_COMPRESSION_NONE -> file;
      case SNAPSHOT_COMPRESSION_ZSTD -> new ZstdInputStream(file);
      case UNRECOGNIZED -> throw new IllegalArgumentException("no snapshot codec " + compression);
    };
  }

  private static <T> T readDelimited(CodedInputStream in, Parser<T> parser, File file, String what, long index)
      throws IOException {
    try {
      if (in.isAtEnd()) {
        throw new EOFException("the file ends there");
      }
      int length = in.readRawVarint32();
      int limit = in.pushLimit(length);
      T record = parser.parseFrom(in);
      in.popLimit(limit);
      // The stream counts every byte it read against a 2 GiB limit; a snapshot can be larger.
      in.resetSizeCounter();
      return record;
    } catch (IOException e) {
      throw new IOException("snapshot " + file + " is truncated or corrupt at " + what + " #" + index
          + ": " + e.getMessage(), e);
    }
  }
}
