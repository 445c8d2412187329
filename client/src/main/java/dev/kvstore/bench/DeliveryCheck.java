package dev.kvstore.bench;

/**
 * Whether every watcher got every measured change of its key exactly once (see
 * {@link DeliveryLog#check}).
 *
 * @param expected deliveries the acknowledged measured puts call for (each put times its key's watchers)
 * @param delivered measured events the watchers received, every copy counted
 * @param missed acknowledged changes a watcher of their key never received
 * @param unacknowledged events received for puts that had no successful answer (failed or
 *     unanswered, yet applied): not an error of the watch, counted apart
 * @param duplicates events a watcher received more than once
 */
public record DeliveryCheck(long expected, long delivered, long missed, long unacknowledged, long duplicates) {

  /** True when no change was missed and none came twice. */
  public boolean complete() {
    return missed == 0 && duplicates == 0;
  }
}
