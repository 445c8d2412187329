package dev.kvstore.node.raft;

import java.time.Duration;
import java.util.Objects;

/**
 * How much history the leader keeps before it compacts automatically, as etcd's
 * {@code --auto-compaction-mode} and {@code --auto-compaction-retention}: the last N revisions
 * ({@link Mode#REVISION}), or the revisions of the last period of time ({@link Mode#PERIODIC}).
 * Either way the leader decides and every member compacts at the same revision through the log.
 *
 * @param mode              which rule
 * @param retainedRevisions for {@link Mode#REVISION}: revisions before the current one kept
 *                          readable; 0 = no automatic compaction
 * @param retainedFor       for {@link Mode#PERIODIC}: how long a revision stays readable after it
 *                          became current; zero = no automatic compaction
 */
public record AutoCompaction(Mode mode, long retainedRevisions, Duration retainedFor) {

  /** The rule of automatic compaction. */
  public enum Mode { REVISION, PERIODIC }

  /**
   * The last 10,000 revisions: what watch replay kept before history moved into the store, and a
   * few MiB of old values at most for typical sizes.
   */
  public static final AutoCompaction DEFAULTS = revisions(10_000);

  public AutoCompaction {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(retainedFor, "retainedFor");
  }

  /** Keeps the last {@code revisions} revisions; 0 = off. */
  public static AutoCompaction revisions(long revisions) {
    return new AutoCompaction(Mode.REVISION, revisions, Duration.ZERO);
  }

  /** Keeps the revisions of the last {@code period}; zero = off. */
  public static AutoCompaction periodic(Duration period) {
    return new AutoCompaction(Mode.PERIODIC, 0, period);
  }

  /** Whether the leader compacts automatically at all. */
  public boolean on() {
    return mode == Mode.REVISION ? retainedRevisions > 0 : !retainedFor.isZero();
  }

  /** Checks the retention; throws {@link IllegalArgumentException} for a negative one, saying what is allowed. */
  public void validate() {
    if (retainedRevisions < 0 || retainedFor.isNegative()) {
      throw new IllegalArgumentException("auto-compaction retention must not be negative: use 0 to turn automatic"
          + " compaction off, a number of revisions (mode revision) or a duration such as 1h (mode periodic)");
    }
  }
}
