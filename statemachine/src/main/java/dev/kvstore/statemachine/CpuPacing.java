package dev.kvstore.statemachine;

import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Keeps the thread that calls {@link #tick()} to a share of one core: at each tick, when the thread
 * has used more CPU since its first tick than {@code share} of the wall time since then, it sleeps
 * until it has not. Time spent waiting for the disk is not CPU, so a write bound by the disk is not
 * slowed down.
 *
 * <p>Why: a background snapshot write is pure CPU for seconds (encoding, MD5), and on a small
 * machine every node writes one at about the same time (the same threshold everywhere). Three
 * unpaced writers on two cores took nearly all of them, and put p99 rose 4 to 9 times while they
 * ran (docs/benchmarks.md, "Scale"); writes never waited for the apply thread, but for a core.
 */
final class CpuPacing {

  /** Where CPU and wall time come from, and how to wait: the current thread's in production. */
  interface Clock {
    long threadCpuNanos();

    long wallNanos();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  /** Never waits. */
  static final CpuPacing NONE = new CpuPacing(1, null);

  private final double share;
  private final Clock clock;
  private long cpuStart = -1;
  private long wallStart;

  /**
   * @param share of one core the thread may use, in (0, 1]
   * @param clock CPU and wall time of the one thread that ticks
   */
  CpuPacing(double share, Clock clock) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("a CPU share is in (0, 1], got " + share);
    }
    this.share = share;
    this.clock = clock;
  }

  /** Paces the thread that calls it, which must be the only one that ticks. */
  static CpuPacing ofCurrentThread(double share) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isCurrentThreadCpuTimeSupported()) {
      return NONE;
    }
    return new CpuPacing(share, new Clock() {
      @Override
      public long threadCpuNanos() {
        return threads.getCurrentThreadCpuTime();
      }

      @Override
      public long wallNanos() {
        return System.nanoTime();
      }

      @Override
      public void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
      }
    });
  }

  /**
   * Sleeps as long as the thread is ahead of its share; the first tick only starts the count.
   *
   * @throws InterruptedIOException when interrupted while sleeping (the interrupt flag is set again)
   */
  void tick() throws InterruptedIOException {
    if (clock == null) {
      return;
    }
    if (cpuStart < 0) {
      cpuStart = clock.threadCpuNanos();
      wallStart = clock.wallNanos();
      return;
    }
    long cpu = clock.threadCpuNanos() - cpuStart;
    long wall = clock.wallNanos() - wallStart;
    long ahead = (long) (cpu / share) - wall;
    if (ahead > 0) {
      try {
        clock.sleepNanos(ahead);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while pacing a snapshot write");
      }
    }
  }
}
