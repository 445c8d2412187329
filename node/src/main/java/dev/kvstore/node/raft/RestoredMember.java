package dev.kvstore.node.raft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What {@code kvstore snapshot restore} built a data directory for, kept beside the Raft storage
 * in {@value #FILE_NAME}: the new cluster's id and the member's id. A node started on such a
 * directory takes the cluster id from it when none is given, and refuses another id or another
 * member id (it would start an empty group, or a member the cluster does not know).
 *
 * @param clusterId      the new cluster's {@code --cluster-id}
 * @param memberId       the member's {@code --node-id}
 * @param initialCluster the members it was restored for, {@code ID=HOST:PORT,...}
 * @param revision       the store revision of the backup
 * @param sha256         the backup's SHA-256, hex
 */
public record RestoredMember(String clusterId, String memberId, String initialCluster, long revision, String sha256) {

  /** The file in the data directory. */
  public static final String FILE_NAME = "restored-member.properties";

  /** The marker of {@code dataDir}, or empty when the directory was not made by a restore. */
  public static Optional<RestoredMember> read(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    String clusterId = p.getProperty("cluster-id");
    String memberId = p.getProperty("member-id");
    if (clusterId == null || memberId == null) {
      throw new IOException(file + " lacks cluster-id or member-id: it was not written by kvstore snapshot restore,"
          + " or was edited");
    }
    long revision;
    try {
      revision = Long.parseLong(p.getProperty("revision", "0"));
    } catch (NumberFormatException e) {
      throw new IOException(file + " has a revision that is not a number: " + p.getProperty("revision"));
    }
    return Optional.of(new RestoredMember(clusterId, memberId, p.getProperty("initial-cluster", ""), revision,
        p.getProperty("sha256", "")));
  }

  /** Writes the marker into {@code dataDir}. */
  void write(Path dataDir) throws IOException {
    Properties p = new Properties();
    p.setProperty("cluster-id", clusterId);
    p.setProperty("member-id", memberId);
    p.setProperty("initial-cluster", initialCluster);
    p.setProperty("revision", Long.toString(revision));
    p.setProperty("sha256", sha256);
    try (OutputStream out = Files.newOutputStream(dataDir.resolve(FILE_NAME))) {
      p.store(out, "written by kvstore snapshot restore; the node reads it at start");
    }
  }
}
