package dev.kvstore.bench;

/**
 * The outcome of a watch-latency run.
 *
 * @param puts what the open-loop writer achieved in the measured window
 * @param deliveries whether every watcher got every measured change of its key, once
 * @param latency delivery latency of the measured events: from the put's send time until the
 *     watcher's listener had the event, in microseconds
 * @param watchersEnded watchers that ended for good during the run (a terminal error)
 * @param foreignEvents events received without a send time (writes by others to the keys)
 */
public record WatchLatencyReport(
    PacedPuts.Result puts, DeliveryCheck deliveries, Latency latency, int watchersEnded, long foreignEvents) {

  /** Measured events delivered per second of the measured window, every watcher's copy counted. */
  public double eventsPerSecond() {
    long nanos = puts.measured().toNanos();
    return nanos == 0 ? 0 : deliveries.delivered() * 1e9 / nanos;
  }

  /** True when every measured change reached every watcher of its key once, and no watcher ended. */
  public boolean complete() {
    return deliveries.complete() && watchersEnded == 0;
  }
}
