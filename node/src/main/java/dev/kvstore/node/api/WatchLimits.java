package dev.kvstore.node.api;

import dev.kvstore.node.raft.AutoCompaction;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of a node's watch machinery. How far back a watch can start is not among them: watches
 * replay the store's history, which {@link AutoCompaction} bounds.
 *
 * @param queueCapacity    revisions one watcher may have pending before it is cancelled
 * @param progressInterval how often a watch of the {@code Watch} service that asked for progress
 *                         notifications and had nothing sent meanwhile is told how current it is
 */
public record WatchLimits(int queueCapacity, Duration progressInterval) {

  public static final WatchLimits DEFAULTS = new WatchLimits(1_000, Duration.ofSeconds(10));

  public WatchLimits {
    Objects.requireNonNull(progressInterval, "progressInterval");
  }

  /** These limits with a queue of {@code capacity} revisions per watcher. */
  public WatchLimits(int queueCapacity) {
    this(queueCapacity, DEFAULTS.progressInterval());
  }

  /** Checks the bounds; throws {@link IllegalArgumentException} saying which is out of range and what is allowed. */
  public void validate() {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("watch queue (" + queueCapacity + ") must be at least 1");
    }
    if (progressInterval.isNegative() || progressInterval.isZero()) {
      throw new IllegalArgumentException("watch progress interval must be positive, got " + progressInterval);
    }
  }
}
