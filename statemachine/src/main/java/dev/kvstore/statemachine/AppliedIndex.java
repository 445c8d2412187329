package dev.kvstore.statemachine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The log index this node has applied, and futures for indexes it has not reached yet: a node that
 * answers a write waits (bounded) until it has applied the write itself, so a read on the same node
 * sees it. Futures complete on the apply thread; callers continue elsewhere.
 */
public final class AppliedIndex {

  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private volatile long applied = -1;

  /**
   * Completes once everything up to {@code index} is applied (at once when it already is). Each
   * caller gets a future of its own: one that completes it early (a timeout) affects nobody else.
   */
  public CompletableFuture<Void> reached(long index) {
    if (index <= applied) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = waiting.computeIfAbsent(index, i -> new CompletableFuture<>());
    // The apply thread may have passed index between the check and the registration.
    if (index <= applied) {
      complete(index);
    }
    return f.copy();
  }

  public long current() {
    return applied;
  }

  /**
   * Registers {@code listener} to be told every log index applied, on the apply thread, in log
   * order: it must return at once and never throw (it holds up every later apply).
   */
  public void addListener(LongConsumer listener) {
    listeners.add(listener);
  }

  /** Called by the apply thread, in log order (also for entries that are not kvstore commands). */
  void advance(long index) {
    if (index > applied) {
      applied = index;
    }
    complete(applied);
    for (LongConsumer listener : listeners) {
      listener.accept(index);
    }
  }

  private void complete(long upTo) {
    for (Map.Entry<Long, CompletableFuture<Void>> e; (e = waiting.firstEntry()) != null && e.getKey() <= upTo; ) {
      if (waiting.remove(e.getKey(), e.getValue())) {
        e.getValue().complete(null);
      }
    }
  }
}
