package dev.kvstore.node.raft;

import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupFileException;
import dev.kvstore.statemachine.SnapshotImport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.server.storage.StorageImplUtils;
import org.apache.ratis.util.SizeInBytes;

/**
 * Builds the data directory of one member of a NEW cluster from a backup, as etcd's
 * {@code snapshot restore}: run once per member, with the same backup, cluster id and member list;
 * nodes then started on those directories (with {@code --node-id} = the member, {@code --peers} =
 * the member list) form a cluster holding every key of the backup at its revision.
 *
 * <p>What the directory holds: the Raft storage of the new group ({@code raft/GROUP/current/raft-meta}
 * at term {@value #RESTORED_TERM}, no log) and the backup's content as the group's snapshot at term
 * {@value #RESTORED_TERM}, index {@value #RESTORED_INDEX} ({@code raft/GROUP/sm/snapshot.1_0} and its
 * {@code .md5}, as the state machine writes its own), plus {@link RestoredMember}. Every member
 * starts from the same snapshot at the same index with an empty log, so the first leader's log
 * continues all of them from index 1 (Ratis sends no snapshot: each follower has it).
 *
 * <p>The new cluster gets a new Raft group id: the group id is derived from the cluster id (see
 * {@link RaftSettings#group}), so the cluster id must differ from the backup's cluster's (refused
 * otherwise); without one it is {@code restored-} and the first 12 hex digits of the backup's
 * SHA-256, the same for every member restored from one backup. Nodes of the old cluster therefore
 * never talk to the new one, even at the same addresses.
 *
 * <p>What carries over: every key with its history from the backup's compacted revision, the
 * revision counter, remembered request ids, users, roles and the authentication switch, and the
 * leases with their granted TTLs, as etcd's restore keeps them; a lease's TTL starts again when the
 * new cluster's first leader takes office (as after any leader change), so a lease nobody keeps
 * alive expires one TTL after the new cluster starts, deleting its keys. Not carried over: the old
 * members, their Raft logs, terms and snapshot indexes.
 */
public final class BackupRestore {

  /** Term of the snapshot every restored member starts from. */
  static final long RESTORED_TERM = 1;
  /** Log index of that snapshot: the new log starts after it. */
  static final long RESTORED_INDEX = 0;
  private static final String DEFAULT_CLUSTER_PREFIX = "restored-";

  /**
   * A restored member.
   *
   * @param dataDir   the directory built
   * @param clusterId the new cluster's id (the nodes' {@code --cluster-id})
   * @param groupId   its Raft group id
   * @param backup    the backup restored
   * @param installed the snapshot built from it
   */
  public record Result(Path dataDir, String clusterId, RaftGroupId groupId, BackupFile.Summary backup,
      SnapshotImport.Installed installed) {}

  private BackupRestore() {}

  /**
   * Builds {@code dataDir} for member {@code memberId} of the cluster {@code initialCluster}.
   *
   * @param clusterId the new cluster's id; null for the default (see the class comment)
   * @throws IllegalArgumentException when an argument is wrong: {@code memberId} not in
   *     {@code initialCluster}, a cluster id that gives the backup's own group id, or a
   *     {@code dataDir} that exists and is not an empty directory (never written into)
   * @throws BackupFileException when the backup is not a complete, intact backup this build reads
   *     (truncated, tampered with, unknown version, or content that does not load)
   * @throws IOException when reading or writing fails; nothing is left in {@code dataDir} then
   */
  public static Result restore(Path backup, Path dataDir, String memberId, List<Peer> initialCluster,
      String clusterId) throws IOException {
    Objects.requireNonNull(backup, "backup");
    Objects.requireNonNull(dataDir, "dataDir");
    if (initialCluster.stream().noneMatch(p -> p.id().equals(memberId))) {
      throw new IllegalArgumentException("member '" + memberId + "' is not in the initial cluster ("
          + describe(initialCluster) + "); --name must be one of its ids");
    }
    if (clusterId != null && clusterId.isBlank()) {
      throw new IllegalArgumentException("the cluster id must not be blank");
    }
    refuseNonEmpty(dataDir);
    BackupFile.Summary summary = BackupFile.verify(backup);
    String newCluster = clusterId != null ? clusterId : DEFAULT_CLUSTER_PREFIX + summary.sha256Hex().substring(0, 12);
    RaftGroupId group = RaftSettings.groupId(newCluster);
    if (group.getUuid().toString().equals(summary.header().getClusterId())) {
      throw new IllegalArgumentException("cluster id '" + newCluster + "' is the id of the cluster the backup was"
          + " taken from (Raft group " + group.getUuid() + "); a restored cluster is a new cluster and needs a new"
          + " id, as etcd's restore gives it one: choose another --cluster-id, or leave it out for '"
          + DEFAULT_CLUSTER_PREFIX + summary.sha256Hex().substring(0, 12) + "'");
    }
    Path absolute = dataDir.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    try {
      Files.createDirectories(parent);
      // An empty directory that exists may be a mount point (a container's volume) in a parent the
      // user may not write: the member is built inside it then, else beside it; moved in when complete.
      boolean inside = Files.isDirectory(absolute);
      Path building = inside ? Files.createTempDirectory(absolute, ".restoring-")
          : Files.createTempDirectory(parent, absolute.getFileName() + ".restoring-");
      try {
        SnapshotImport.Installed installed = build(building, group, backup, summary);
        new RestoredMember(newCluster, memberId, describe(initialCluster), summary.revision(), summary.sha256Hex())
            .write(building);
        if (inside) {
          moveContentUp(building, absolute);
        } else {
          // A directory that appeared since fails the move.
          Files.move(building, absolute, StandardCopyOption.ATOMIC_MOVE);
        }
        return new Result(absolute, newCluster, group, summary, installed);
      } catch (IOException | RuntimeException e) {
        deleteRecursively(building);
        throw e;
      }
    } catch (AccessDeniedException e) {
      throw new IOException("permission denied writing " + e.getFile() + ": the restore writes the data directory "
          + dataDir + " (or, when it does not exist yet, a directory beside it); run it as the user the node runs as",
          e);
    }
  }

  /**
   * Moves what {@code building} holds into {@code dataDir} (its parent), the member's
   * {@link RestoredMember} file last, since it is what makes a node take the directory as a restored
   * member; on failure, takes back what was moved so that {@code dataDir} is empty again.
   */
  private static void moveContentUp(Path building, Path dataDir) throws IOException {
    List<Path> entries;
    try (Stream<Path> list = Files.list(building)) {
      entries = list.sorted(Comparator.comparing((Path p) -> p.getFileName().toString().equals(RestoredMember.FILE_NAME)).thenComparing(Path::compareTo))
          .toList();
    }
    List<Path> moved = new ArrayList<>();
    try {
      for (Path entry : entries) {
        Path target = dataDir.resolve(entry.getFileName().toString());
        Files.move(entry, target, StandardCopyOption.ATOMIC_MOVE);
        moved.add(target);
      }
      Files.delete(building);
    } catch (IOException | RuntimeException e) {
      moved.forEach(BackupRestore::deleteRecursively);
      throw e;
    }
  }

  private static SnapshotImport.Installed build(Path dir, RaftGroupId group, Path backup, BackupFile.Summary summary)
      throws IOException {
    Path groupDir = dir.resolve(RaftSettings.STORAGE_DIR).resolve(group.getUuid().toString());
    Files.createDirectories(groupDir);
    RaftStorage storage = StorageImplUtils.newRaftStorage(groupDir.toFile(), SizeInBytes.ZERO,
        RaftStorage.StartupOption.FORMAT, null);
    SnapshotImport.Installed installed;
    try {
      storage.initialize();
      // A new member of a new group: no vote, the snapshot's term, so its first election is for term 2.
      storage.getMetadataFile().persist(RaftStorageMetadata.valueOf(RESTORED_TERM, null));
      try (InputStream content = BackupFile.openContent(backup, summary)) {
        installed = SnapshotImport.install(storage, TermIndex.valueOf(RESTORED_TERM, RESTORED_INDEX), content);
      } catch (BackupFileException e) {
        throw e;
      } catch (IOException e) {
        throw new BackupFileException("backup file " + backup + " passed its checksum but its content does not load: "
            + e.getMessage(), e);
      }
    } finally {
      storage.close();
    }
    // Ratis's lock file: the node takes its own lock at start.
    Files.deleteIfExists(groupDir.resolve("in_use.lock"));
    if (installed.revision() != summary.revision() || installed.keyCount() != summary.keyCount()) {
      throw new BackupFileException("backup file " + backup + " is inconsistent: its header says revision "
          + summary.revision() + " with " + summary.keyCount() + " keys, its content revision " + installed.revision()
          + " with " + installed.keyCount() + " keys");
    }
    return installed;
  }

  private static void refuseNonEmpty(Path dataDir) throws IOException {
    if (!Files.exists(dataDir)) {
      return;
    }
    if (!Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException("data directory " + dataDir + " exists and is not a directory");
    }
    try (Stream<Path> entries = Files.list(dataDir)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalArgumentException("data directory " + dataDir + " is not empty: a restore builds a new"
            + " member's data and never writes over existing data; give a new or empty directory");
      }
    }
  }

  private static String describe(List<Peer> peers) {
    return peers.stream().map(Peer::toString).collect(Collectors.joining(","));
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException e) {
          // Left by a concurrent writer; reported by the caller's exception already.
        } catch (IOException e) {
          // Best effort: the restore's own error is what the user needs.
        }
      });
    } catch (IOException e) {
      // Best effort, as above.
    }
  }

  /** The Raft group id a cluster id gives; what {@code Maintenance.Status} reports as the cluster id. */
  public static UUID groupUuid(String clusterId) {
    return RaftSettings.groupId(clusterId).getUuid();
  }
}
