package dev.kvstore.bench;

/**
 * Where a run is, for a progress display.
 *
 * @param phase what the run is doing now
 * @param phaseNanos how long it has been in that phase, by the run's clock
 * @param completed measured requests answered so far (successes and failures)
 * @param failed measured requests failed so far
 */
public record Progress(Phase phase, long phaseNanos, long completed, long failed) {

  /** The phases of a run, in order. */
  public enum Phase {
    /** Sending requests that are not measured. */
    WARMUP,
    /** Sending measured requests. */
    MEASURING,
    /** Sending no more; waiting for the answers of the requests in flight. */
    DRAINING,
    /** Finished: the report is ready. */
    DONE
  }
}
