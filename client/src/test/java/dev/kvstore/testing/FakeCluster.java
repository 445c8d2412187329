package dev.kvstore.testing;

import java.util.ArrayDeque;
import java.util.Deque;

/** Fake nodes over one shared {@link FakeStore}, plus whatever a test opens against them, closed newest first. */
public final class FakeCluster implements AutoCloseable {

  private final FakeStore store = new FakeStore();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  public FakeStore store() {
    return store;
  }

  /** Starts a node that serves the shared store. */
  public FakeKvServer node(String id) {
    return track(FakeKvServer.start(id, store));
  }

  /** Closes {@code resource} with the cluster, before anything opened earlier (clients before servers). */
  public <T extends AutoCloseable> T track(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public void close() throws Exception {
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }
}
