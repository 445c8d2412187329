package dev.kvstore.node.ops;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One token bucket (Bucket4j, greedy refill) per caller: a caller may make {@link
 * RateLimits#burst()} calls at once, then {@link RateLimits#requestsPerSecond()} per second.
 *
 * <p>Memory stays bounded: a bucket unused for as long as it takes to refill from empty is full
 * again, exactly like a new one, so {@link #sweep()} drops it without changing any answer; and
 * at most {@link #MAX_TRACKED} callers have a bucket of their own. Beyond that (many addresses at
 * once, e.g. a scan) new callers share one overflow bucket until a sweep makes room: those
 * callers may be limited together, the callers already known keep their own buckets.
 *
 * <p>Thread-safe: buckets are lock-free (compare-and-swap), the map is concurrent.
 */
public final class CallerBuckets {

  /** Most callers with a bucket of their own (about 200 bytes each). */
  static final int MAX_TRACKED = 65_536;
  /** How often idle buckets are dropped. */
  public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);

  private final RateLimits limits;
  private final LongSupplier nanoClock;
  private final TimeMeter meter;
  private final long refillNanos;
  private final ConcurrentHashMap<String, Tracked> buckets = new ConcurrentHashMap<>();
  private final Tracked overflow;

  /**
   * @param limits    must be {@link RateLimits#on() on}
   * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime}; tests pass their own)
   */
  public CallerBuckets(RateLimits limits, LongSupplier nanoClock) {
    if (!limits.validate().on()) {
      throw new IllegalArgumentException("no rate limit to apply");
    }
    this.limits = limits;
    this.nanoClock = nanoClock;
    this.meter = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanoClock.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
    this.refillNanos = (long) Math.ceil(limits.burst() * 1e9 / limits.requestsPerSecond());
    this.overflow = newBucket();
  }

  /** The limits applied. */
  public RateLimits limits() {
    return limits;
  }

  /**
   * Takes one token from {@code caller}'s bucket.
   *
   * @param caller a key naming the caller (user or address; distinct kinds must not collide)
   * @return 0 when the call may go ahead, else the nanoseconds until a token is available (at least 1)
   */
  public long tryAcquire(String caller) {
    Tracked tracked = buckets.get(caller);
    if (tracked == null) {
      tracked = buckets.size() < MAX_TRACKED ? buckets.computeIfAbsent(caller, c -> newBucket()) : overflow;
    }
    tracked.lastUsedNanos = nanoClock.getAsLong();
    ConsumptionProbe probe = tracked.bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
  }

  /** Drops the buckets that are full again (unused for a whole refill time); returns how many. */
  public int sweep() {
    long now = nanoClock.getAsLong();
    int before = buckets.size();
    // A caller using its bucket during the removal gets a new, full one: at most one token extra.
    buckets.values().removeIf(t -> now - t.lastUsedNanos >= refillNanos);
    return before - buckets.size();
  }

  /** Callers with a bucket of their own. */
  int tracked() {
    return buckets.size();
  }

  /** Sweeps every {@link #SWEEP_INTERVAL} on {@code scheduler} until the returned handle is closed. */
  public AutoCloseable startSweeps(ScheduledExecutorService scheduler) {
    long period = SWEEP_INTERVAL.toMillis();
    ScheduledFuture<?> sweeps = scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    return () -> sweeps.cancel(false);
  }

  private Tracked newBucket() {
    return new Tracked(Bucket.builder()
        .addLimit(limit -> limit.capacity(limits.burst()).refillGreedy(limits.requestsPerSecond(), Duration.ofSeconds(1)))
        .withCustomTimePrecision(meter)
        .build(), nanoClock.getAsLong());
  }

  private static final class Tracked {
    final Bucket bucket;
    volatile long lastUsedNanos;

    Tracked(Bucket bucket, long now) {
      this.bucket = bucket;
      this.lastUsedNanos = now;
    }
  }
}
