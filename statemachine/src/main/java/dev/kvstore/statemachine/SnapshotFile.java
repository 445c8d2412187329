package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.DedupRecord;
import dev.kvstore.statemachine.proto.SnapshotHeader;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The on-disk snapshot layout: a header, then every key-value in key order, then the remembered
 * request results, each a length-delimited protobuf message. Written to a temporary file, forced
 * to disk and renamed, so a crash never leaves a partial snapshot under the final name.
 */
final class SnapshotFile {

  static final int FORMAT_VERSION = 1;

  /** What a snapshot holds. */
  record Content(long revision, List<KeyValue> kvs, List<DedupRecord> dedup) {}

  private SnapshotFile() {}

  /** Writes the store and the dedup table to {@code file}; returns the MD5 of what was written. */
  static MD5Hash write(File file, KeyValueStore store, AppliedRequests applied) throws IOException {
    List<DedupRecord> dedup = applied.records();
    MessageDigest md5 = MD5FileUtil.newMD5();
    AtomicFileOutputStream atomic = new AtomicFileOutputStream(file);
    OutputStream out = new BufferedOutputStream(new DigestOutputStream(atomic, md5), 1 << 16);
    try {
      SnapshotHeader.newBuilder()
          .setFormatVersion(FORMAT_VERSION)
          .setRevision(store.revision())
          .setKeyCount(store.size())
          .setDedupCount(dedup.size())
          .build()
          .writeDelimitedTo(out);
      for (KeyValue kv : store.entries()) {
        kv.toStored().writeDelimitedTo(out);
      }
      for (DedupRecord r : dedup) {
        r.writeDelimitedTo(out);
      }
      out.flush();
    } catch (IOException | RuntimeException e) {
      // Closing would rename the partial file to the final name: abort deletes it instead.
      atomic.abort();
      throw e;
    }
    // Flushed above, so this only forces the file to disk and renames it.
    out.close();
    return MD5Hash.newInstance(md5.digest());
  }

  static Content read(File file) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 1 << 16)) {
      SnapshotHeader header = SnapshotHeader.parseDelimitedFrom(in);
      if (header == null) {
        throw new IOException("snapshot " + file + " is empty");
      }
      if (header.getFormatVersion() != FORMAT_VERSION) {
        throw new IOException("snapshot " + file + " has format version " + header.getFormatVersion()
            + "; this build reads version " + FORMAT_VERSION);
      }
      List<KeyValue> kvs = new ArrayList<>((int) Math.min(header.getKeyCount(), 1 << 20));
      for (long i = 0; i < header.getKeyCount(); i++) {
        kvs.add(KeyValue.of(required(StoredKeyValue.parseDelimitedFrom(in), file, "key-value", i)));
      }
      List<DedupRecord> dedup = new ArrayList<>((int) header.getDedupCount());
      for (long i = 0; i < header.getDedupCount(); i++) {
        dedup.add(required(DedupRecord.parseDelimitedFrom(in), file, "request record", i));
      }
      if (in.read() != -1) {
        throw new IOException("snapshot " + file + " has data after its last record");
      }
      return new Content(header.getRevision(), kvs, dedup);
    }
  }

  private static <T> T required(T record, File file, String what, long index) throws IOException {
    if (record == null) {
      throw new IOException("snapshot " + file + " is truncated at " + what + " #" + index);
    }
    return record;
  }
}
