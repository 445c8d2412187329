package dev.kvstore.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One kind of request a benchmark sends (a put, a linearizable get, ...), to whichever system is
 * measured: the load loop only starts requests and waits for their futures, so kvstore and etcd
 * are measured by exactly the same code.
 */
@FunctionalInterface
public interface Operation {

  /**
   * Sends one request about the key numbered {@code key} (0 to the key space minus one; see
   * {@link KeySpace}). Must not block: the loop calls it from completion callbacks.
   *
   * @return a future that completes when the answer arrives, or exceptionally when the request
   *     failed; it must complete in bounded time (the client's own request timeout)
   */
  CompletableFuture<?> send(long key);
}
