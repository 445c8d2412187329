package dev.kvstore.comparison;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a benchmark harness started (clusters, clients, its folder), closed newest first, once,
 * also when the JVM is stopped by Ctrl-C or a kill (not -9). Shared by the etcd comparison and the
 * scale benchmark.
 */
public final class HarnessResources {

  /** A harness's run; may throw anything. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

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
   * Runs {@code body}, then closes everything; if the JVM is stopped meanwhile, a shutdown hook
   * (thread {@code hookName}) runs {@code onShutdown}, which should end the body's work and call
   * {@link #closeAll}.
   */
  public void runClosingOnShutdown(String hookName, Runnable onShutdown, Body body) throws Exception {
    Thread cleanup = new Thread(onShutdown, hookName);
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
