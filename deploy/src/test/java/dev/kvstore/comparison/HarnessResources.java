package dev.kvstore.comparison;

import dev.kvstore.bench.ClosedLoop;
import dev.kvstore.bench.LoadReport;
import dev.kvstore.bench.LoadRun;
import dev.kvstore.bench.Progress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * What a benchmark harness started (clusters, clients, its folder), closed newest first, once,
 * also when the JVM is stopped by Ctrl-C or a kill (not -9), and the load run in progress, given
 * up at that moment. Shared by the etcd comparison and the scale benchmark.
 */
public final class HarnessResources {

  /** A harness's run; may throw anything. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private volatile boolean stopping;
  private volatile LoadRun current;

  /** Remembers {@code resource} to close it in {@link #closeAll}; returns it. */
  public <T extends AutoCloseable> T track(T resource) {
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  /**
   * Closes what was tracked, newest first, one at a time: the shutdown hook and the main thread
   * may both call it, and the second waits for the first, so a folder is never deleted while a
   * cluster in it is still being stopped. A failure to close one is printed and the rest go on.
   */
  public void closeAll() {
    synchronized (resources) {
      while (!resources.isEmpty()) {
        try {
          resources.pop().close();
        } catch (Exception e) {
          System.err.println("cleanup: " + e);
        }
      }
    }
  }

  /**
   * Runs {@code loop} to its end (see {@link LoadRun#await}: requests unanswered {@code grace}
   * after it stopped sending count as unanswered), calling {@code onTick} about every {@code tick}.
   *
   * @throws CancellationException when the harness is being stopped (before or during the run):
   *     the report would be partial
   */
  public LoadReport run(ClosedLoop loop, Duration grace, Duration tick, Consumer<Progress> onTick)
      throws InterruptedException {
    if (stopping) {
      throw new CancellationException("stopped before the end; no report");
    }
    LoadRun run = loop.start();
    current = run;
    LoadReport report = run.await(grace, tick, onTick);
    if (stopping) {
      throw new CancellationException("stopped before the end; no report");
    }
    return report;
  }

  /** On Ctrl-C or a kill: gives up the load run in progress, then closes everything. */
  public void stop() {
    stopping = true;
    LoadRun run = current;
    if (run != null) {
      run.abandon();
    }
    closeAll();
  }

  /**
   * Runs {@code body}, then closes everything; if the JVM is stopped meanwhile, a shutdown hook
   * (thread {@code hookName}) calls {@link #stop}.
   */
  public void runClosingOnShutdown(String hookName, Body body) throws Exception {
    Thread cleanup = new Thread(this::stop, hookName);
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      body.run();
    } finally {
      closeAll();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or has run: nothing left to undo.
      }
    }
  }
}
