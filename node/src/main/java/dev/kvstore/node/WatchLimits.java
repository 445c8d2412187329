package dev.kvstore.node;

/**
 * Bounds of a node's watch machinery.
 *
 * @param historyEvents events kept so a watch can start from a past revision
 * @param historyBytes  approximate bytes of those events kept
 * @param queueCapacity events one watcher may have pending before it is cancelled
 */
public record WatchLimits(int historyEvents, long historyBytes, int queueCapacity) {

  public static final WatchLimits DEFAULTS = new WatchLimits(10_000, 64L << 20, 1_000);

  void validate() {
    if (historyEvents < 1 || historyBytes < 1 || queueCapacity < 1) {
      throw new IllegalArgumentException("watch history (" + historyEvents + " events, " + historyBytes
          + " bytes) and watch queue (" + queueCapacity + ") must all be at least 1");
    }
  }
}
