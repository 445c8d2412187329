package dev.kvstore.node.ops;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Logs at most one line per kind of event per interval, so that a client sending bad requests in
 * a loop cannot fill the log; the next line of a kind says how many were left out since the last.
 * Kinds must come from a small fixed set named in code, never from request content: each kind
 * keeps its few bytes of state for the life of the node.
 */
public final class RateLimitedLog {

  private final Logger logger;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * @param logger    where the lines go
   * @param interval  at most one line per kind per this long
   * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime}; tests pass their own)
   */
  public RateLimitedLog(Logger logger, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
  }

  /** A WARN line, SLF4J-formatted, unless a line of this kind went out less than an interval ago. */
  public void warn(String kind, String format, Object... args) {
    log(Level.WARN, kind, null, format, args);
  }

  /** An ERROR line with {@code cause}'s stack trace, unless one of this kind went out less than an interval ago. */
  public void error(String kind, Throwable cause, String format, Object... args) {
    log(Level.ERROR, kind, cause, format, args);
  }

  private void log(Level level, String kind, Throwable cause, String format, Object[] args) {
    if (!logger.isEnabledForLevel(level)) {
      return;
    }
    long left = windows.computeIfAbsent(kind, k -> new Window()).admit(nanoClock.getAsLong(), intervalNanos);
    if (left < 0) {
      return;
    }
    String message = format;
    Object[] arguments = args;
    if (left > 0) {
      message = format + " ({} more like this since the last such line were not logged)";
      arguments = Arrays.copyOf(args, args.length + 1);
      arguments[args.length] = left;
    }
    logger.atLevel(level).setCause(cause).log(message, arguments);
  }

  /** One kind's state: when its next line may go out, and how many were dropped until then. */
  private static final class Window {
    private boolean used;
    private long nextAllowed;
    private long dropped;

    /** The number dropped since the last line when this event may be logged now, else -1. */
    synchronized long admit(long now, long interval) {
      if (used && now - nextAllowed < 0) {
        dropped++;
        return -1;
      }
      used = true;
      nextAllowed = now + interval;
      long left = dropped;
      dropped = 0;
      return left;
    }
  }
}
