package dev.kvstore.ratispatches;

import java.net.URL;
import java.security.CodeSource;
import java.util.List;
import java.util.Objects;

/**
 * The Apache Ratis classes this module replaces, and the check that the replacements are the ones
 * loaded. A patched class only takes effect when this jar comes before ratis-server and ratis-grpc
 * on the class path (Maven: declare this module before them; the node's fat jar excludes the originals).
 * A wrong order would silently bring the bug back, so the node checks at start.
 */
public final class RatisPatches {

  /**
   * Each patched class, by name. {@code SegmentedRaftLogWorker}: installing a snapshot older than
   * what the follower's log has written no longer resets the log writer. {@code LeaderStateImpl}: a
   * listener (learner) added by a configuration change leaves the "initializing" state once caught
   * up, as a new voter does. {@code GrpcLogAppender}: a follower that has not answered yet gets a
   * heartbeat when one is due, not one per new log entry, and a stale INCONSISTENCY reply no
   * longer resets the follower's next index (see README.md).
   */
  public static final List<String> PATCHED_CLASSES =
      List.of("org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogWorker",
          "org.apache.ratis.server.impl.LeaderStateImpl",
          "org.apache.ratis.grpc.server.GrpcLogAppender");

  private RatisPatches() {}

  /**
   * Checks that every patched class is loaded from this module's jar (or classes directory), not
   * from ratis-server.
   *
   * @throws IllegalStateException naming the class and where it came from, when one is not
   */
  public static void requireLoaded() {
    URL ours = location(RatisPatches.class);
    for (String name : PATCHED_CLASSES) {
      Class<?> loaded;
      try {
        loaded = Class.forName(name, false, RatisPatches.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("Ratis class " + name + " is missing from the class path", e);
      }
      URL source = location(loaded);
      if (!Objects.equals(ours, source)) {
        throw new IllegalStateException("Ratis class " + name + " was loaded from " + source
            + ", not from kvstore's patched copy in " + ours
            + ": put kvstore-ratis-patches before ratis-server on the class path");
      }
    }
  }

  private static URL location(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    return source == null ? null : source.getLocation();
  }
}
