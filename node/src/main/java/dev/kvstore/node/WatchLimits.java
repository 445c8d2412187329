package dev.kvstore.node;

/**
 * Bounds of a node's watch machinery. How far back a watch can start is not among them: watches
 * replay the store's history, which {@link AutoCompaction} bounds.
 *
 * @param queueCapacity events one watcher may have pending before it is cancelled
 */
public record WatchLimits(int queueCapacity) {

  public static final WatchLimits DEFAULTS = new WatchLimits(1_000);

  void validate() {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("watch queue (" + queueCapacity + ") must be at least 1");
    }
  }
}
