package dev.kvstore.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order they were given, on a shared executor: what a
 * single-thread executor gives one subscription, without holding a thread while it has nothing to
 * do (as gRPC's own SerializingExecutor). A task that blocks holds up only the later tasks of this
 * executor; the shared one must be able to run as many tasks at once as subscriptions may block
 * (the client's default callback pool grows as needed).
 */
final class SerializingExecutor implements Executor {

  private static final Logger log = LoggerFactory.getLogger(SerializingExecutor.class);

  private final Executor shared;
  private final Object lock = new Object();
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  /** True while a drain is queued on, or running in, the shared executor. Guarded by lock. */
  private boolean draining;
  private boolean shutdown;
  /** The thread running this executor's tasks now, if any. */
  private volatile Thread runner;

  SerializingExecutor(Executor shared) {
    this.shared = shared;
  }

  /**
   * Queues {@code task} behind the ones given before.
   *
   * @throws RejectedExecutionException after {@link #shutdown}, or when the shared executor
   *     refuses to run this executor's tasks
   */
  @Override
  public void execute(Runnable task) {
    synchronized (lock) {
      if (shutdown) {
        throw new RejectedExecutionException("shut down");
      }
      tasks.add(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    startDrain();
  }

  private void startDrain() {
    try {
      shared.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (lock) {
        tasks.clear();
        draining = false;
        lock.notifyAll();
      }
      throw e;
    }
  }

  private void drain() {
    runner = Thread.currentThread();
    boolean emptied = false;
    try {
      while (true) {
        Runnable task;
        synchronized (lock) {
          task = tasks.poll();
          if (task == null) {
            runner = null;
            draining = false;
            emptied = true;
            lock.notifyAll();
            return;
          }
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("a task failed; running the next ones", e);
        }
      }
    } finally {
      if (!emptied) {
        // An Error left a task: the tasks after it still run, on a fresh drain.
        boolean more;
        synchronized (lock) {
          runner = null;
          more = !tasks.isEmpty();
          draining = more;
          lock.notifyAll();
        }
        if (more) {
          startDrain();
        }
      }
    }
  }

  /** True when called from one of this executor's tasks. */
  boolean isCurrentThread() {
    return runner == Thread.currentThread();
  }

  /** Refuses new tasks; those already given still run. */
  void shutdown() {
    synchronized (lock) {
      shutdown = true;
    }
  }

  /**
   * Waits until it is shut down and its last task has run, at most {@code timeout}.
   *
   * @return false when the time ran out first
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!shutdown || draining) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }
}
