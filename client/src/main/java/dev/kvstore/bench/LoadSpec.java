package dev.kvstore.bench;

import java.time.Duration;
import java.util.Objects;

/**
 * The shape of one closed-loop run: how many requests are in flight, over how many keys, for how
 * long. A run first warms up for {@code warmup} (requests sent then are not measured), then
 * measures until {@code duration} has passed or {@code count} requests were sent, whichever is
 * set, and waits for the requests still in flight.
 *
 * @param concurrency requests in flight at any time (at least 1): each answer sends the next
 * @param keys how many keys requests pick from (at least 1)
 * @param warmup how long to send before measuring (zero: measure from the start)
 * @param duration how long to measure after the warm-up, or null when {@code count} is set
 * @param count how many measured requests to send, or 0 when {@code duration} is set
 * @param keyOrder how each request's key is chosen
 * @param seed of the random choices (keys, and operations of a mix), so runs are repeatable
 */
public record LoadSpec(
    int concurrency, long keys, Duration warmup, Duration duration, long count, KeyOrder keyOrder, long seed) {

  /** How requests choose their keys. */
  public enum KeyOrder {
    /** Uniformly at random, independently for each request. */
    RANDOM,
    /** 0, 1, 2, ... in the order requests are sent, wrapping around: to write every key once. */
    SEQUENTIAL
  }

  public LoadSpec {
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(keyOrder, "keyOrder");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    if (keys < 1) {
      throw new IllegalArgumentException("keys must be at least 1, got " + keys);
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("warmup must not be negative, got " + warmup);
    }
    if ((duration == null) == (count == 0)) {
      throw new IllegalArgumentException("set exactly one of duration and count");
    }
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw new IllegalArgumentException("duration must be positive, got " + duration);
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, got " + count);
    }
  }

  /** Random keys, measured for {@code duration} after {@code warmup}. */
  public static LoadSpec forDuration(int concurrency, long keys, Duration warmup, Duration duration) {
    return new LoadSpec(concurrency, keys, warmup, Objects.requireNonNull(duration, "duration"), 0,
        KeyOrder.RANDOM, 1);
  }

  /** Random keys, {@code count} measured requests after {@code warmup}. */
  public static LoadSpec forCount(int concurrency, long keys, Duration warmup, long count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, got " + count);
    }
    return new LoadSpec(concurrency, keys, warmup, null, count, KeyOrder.RANDOM, 1);
  }

  /** Every key once, in order, without warm-up: what fills the key space before reads. */
  public static LoadSpec everyKeyOnce(int concurrency, long keys) {
    return new LoadSpec(concurrency, keys, Duration.ZERO, null, keys, KeyOrder.SEQUENTIAL, 1);
  }

  /** This spec with another seed. */
  public LoadSpec withSeed(long newSeed) {
    return new LoadSpec(concurrency, keys, warmup, duration, count, keyOrder, newSeed);
  }
}
