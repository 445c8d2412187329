package dev.kvstore.failover.history;

import java.util.Locale;
import java.util.Objects;

/**
 * One client operation on one key, as recorded: what was asked, when, and how it ended.
 *
 * @param id            unique within a history
 * @param process       the client thread that ran it; a process may have one operation in flight
 * @param type          read, write or delete
 * @param key           the key it touched
 * @param value         for WRITE the value written; for READ the value read, null when the key was
 *                      absent (or when the read did not complete OK); always null for DELETE
 * @param invokeNanos   {@link System#nanoTime()} before the request was sent
 * @param completeNanos {@link System#nanoTime()} after the response (or the timeout);
 *                      {@link #NOT_COMPLETED} when it never completed. Checkers ignore it for
 *                      UNKNOWN operations, which may take effect at any later time.
 * @param outcome       how it ended
 * @param revision      the store revision the server reported for an OK operation; 0 when unknown
 */
public record Operation(
    long id,
    int process,
    OpType type,
    String key,
    String value,
    long invokeNanos,
    long completeNanos,
    Outcome outcome,
    long revision) {

  /** The completion time of an operation that never completed. */
  public static final long NOT_COMPLETED = Long.MAX_VALUE;

  public Operation {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(outcome, "outcome");
    if (type == OpType.WRITE && value == null) {
      throw new IllegalArgumentException("a WRITE needs a value; use DELETE to remove a key: op " + id);
    }
    if (type == OpType.DELETE && value != null) {
      throw new IllegalArgumentException("a DELETE has no value: op " + id);
    }
    if (completeNanos < invokeNanos) {
      throw new IllegalArgumentException(
          "op " + id + " completes (" + completeNanos + ") before it is invoked (" + invokeNanos + ")");
    }
  }

  /** An operation without a known revision. */
  public Operation(long id, int process, OpType type, String key, String value, long invokeNanos,
      long completeNanos, Outcome outcome) {
    this(id, process, type, key, value, invokeNanos, completeNanos, outcome, 0);
  }

  /**
   * One line for logs, with times in milliseconds since {@code originNanos}, for example
   * {@code #12 p3 WRITE k1 = 'v5' 1.204..3.551ms OK r42}.
   */
  public String describe(long originNanos) {
    StringBuilder line = new StringBuilder(label())
        .append(' ').append(millis(invokeNanos - originNanos)).append("..")
        .append(completeNanos == NOT_COMPLETED ? "?" : millis(completeNanos - originNanos))
        .append("ms ").append(outcome);
    if (revision != 0) {
      line.append(" r").append(revision);
    }
    return line.toString();
  }

  /** What the operation did, without times, for example {@code #12 p3 WRITE k1 = 'v5'}. */
  public String label() {
    StringBuilder line = new StringBuilder()
        .append('#').append(id).append(" p").append(process).append(' ').append(type).append(' ')
        .append(key);
    switch (type) {
      case WRITE -> line.append(" = ").append(quote(value));
      case READ -> {
        // A read that did not complete OK has no result worth showing, and null would read as "absent".
        if (outcome == Outcome.OK) {
          line.append(" -> ").append(quote(value));
        }
      }
      case DELETE -> { }
    }
    return line.toString();
  }

  /** A register value for humans: quoted, or {@code absent} for null. */
  static String quote(String value) {
    return value == null ? "absent" : "'" + value + "'";
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1_000_000.0);
  }
}
