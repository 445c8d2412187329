package dev.kvstore.node;

import dev.kvstore.node.raft.RestoredMember;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks, before anything starts, the failures users hit most (a port in use, a data directory
 * that cannot be written, an unknown bind address) so they get one clear sentence instead of a
 * stack trace from deep inside Ratis or Netty.
 */
final class NodePreflight {

  private NodePreflight() {}

  static void check(NodeConfig config) throws IOException {
    InetAddress bind;
    try {
      bind = InetAddress.getByName(config.bindAddress());
    } catch (UnknownHostException e) {
      throw new IOException("bind address '" + config.bindAddress() + "' does not resolve to an address of this host");
    }
    checkPortFree(bind, config.clientPort(), "client port");
    checkPortFree(bind, config.raftPort(), "Raft port");
    if (config.metricsOn()) {
      checkPortFree(bind, config.metricsPort(), "metrics port");
    }
    checkDataDir(config.dataDir());
    checkRestoredFor(config);
  }

  /**
   * A data directory built by {@code kvstore snapshot restore} holds the Raft group of the cluster id
   * and the member id it was built for: started under another cluster id the node would start an
   * empty group beside it, under another node id a member the new cluster does not know.
   */
  private static void checkRestoredFor(NodeConfig config) throws IOException {
    Optional<RestoredMember> restored = RestoredMember.read(config.dataDir());
    if (restored.isEmpty()) {
      return;
    }
    RestoredMember member = restored.get();
    if (!member.clusterId().equals(config.clusterId())) {
      throw new IllegalArgumentException("data directory " + config.dataDir() + " was restored from a backup for"
          + " cluster id '" + member.clusterId() + "', but this node was given cluster id '" + config.clusterId()
          + "': start it with --cluster-id " + member.clusterId() + " (or without --cluster-id)");
    }
    if (!member.memberId().equals(config.nodeId())) {
      throw new IllegalArgumentException("data directory " + config.dataDir() + " was restored from a backup for"
          + " member '" + member.memberId() + "', but this node's id is '" + config.nodeId() + "': start it with"
          + " --node-id " + member.memberId() + ", or restore a directory for " + config.nodeId());
    }
  }

  private static void checkPortFree(InetAddress bind, int port, String what) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(bind, port));
    } catch (IOException e) {
      throw new IOException(what + " " + port + " on " + bind.getHostAddress() + " is not available (" + e.getMessage()
          + "); is another node or program using it?");
    }
  }

  private static void checkDataDir(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IOException("data directory " + dir + " cannot be created: " + e);
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException("data directory " + dir + " is not a directory");
    }
    Path probe = dir.resolve(".write-test");
    try {
      Files.write(probe, new byte[] {1});
      Files.delete(probe);
    } catch (IOException e) {
      throw new IOException("data directory " + dir + " is not writable: " + e);
    }
  }
}
