package dev.kvstore.statemachine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Puts a snapshot that came from elsewhere (a backup's content) into a Raft member's storage,
 * where {@link KvStateMachine} loads it at start: {@code sm/snapshot.TERM_INDEX} and its
 * {@code .md5}, as the node writes its own. Used to build the data directory of a member of a new
 * cluster from a backup, as etcd's {@code snapshot restore} does.
 */
public final class SnapshotImport {

  /**
   * What was installed.
   *
   * @param revision          the store revision the snapshot holds
   * @param compactedRevision the oldest revision readable from its history
   * @param keyCount          keys that exist at {@code revision}
   * @param versions          versions of keys kept, deletions included
   * @param leases            leases in its lease table
   * @param bytes             size of the snapshot file
   */
  public record Installed(long revision, long compactedRevision, long keyCount, long versions, int leases, long bytes) {}

  private SnapshotImport() {}

  /**
   * Writes {@code content} (the snapshot format, any version this build reads) as the snapshot at
   * {@code at} into the state machine directory of {@code storage}, forced to disk, then reads it
   * back whole as a node would load it (every record parsed, the key count checked, the MD5
   * compared), and only then writes its {@code .md5}.
   *
   * @throws IOException when the content is truncated, corrupt or of an unknown format version
   *     (nothing is left in the directory then), or when writing fails
   */
  public static Installed install(RaftStorage storage, TermIndex at, InputStream content) throws IOException {
    SnapshotStorage snapshots = new SnapshotStorage();
    snapshots.init(storage);
    File file = snapshots.getSnapshotFile(at.getTerm(), at.getIndex());
    Files.createDirectories(file.toPath().getParent());
    MessageDigest md5 = MD5FileUtil.newMD5();
    try (OutputStream out = new DigestOutputStream(new AtomicFileOutputStream(file), md5)) {
      content.transferTo(out);
    }
    MD5Hash digest = MD5Hash.newInstance(md5.digest());
    SnapshotFile.Content loaded;
    try {
      loaded = SnapshotFile.read(file, digest);
    } catch (IOException e) {
      Files.deleteIfExists(file.toPath());
      throw e;
    }
    MD5FileUtil.saveMD5File(file, digest);
    return new Installed(loaded.revision(), loaded.compactedRevision(), loaded.keyCount(), loaded.versions().size(),
        loaded.leases().size(), file.length());
  }
}
