package dev.kvstore.node.api;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stream's work on an executor, at most one thread at a time, and runs it again when it
 * was signalled meanwhile: the wake-ups of a watch stream come from many threads (the apply thread
 * with new events, the transport becoming ready, the client's requests, timers), and none of them
 * may be lost or run the work twice at once.
 *
 * <p>A signal that arrives while the work runs is counted, so the work runs once more after it; a
 * step that stops only because it used up its batch is run again as a new executor task, so that
 * one busy stream does not hold an executor thread from the others.
 */
final class SerialDrain {

  private static final Logger LOG = LoggerFactory.getLogger(SerialDrain.class);

  private final Executor executor;
  private final BooleanSupplier step;
  private final Consumer<RuntimeException> onFailure;
  private final AtomicInteger pendingSignals = new AtomicInteger();

  /**
   * @param step      does what can be done now; true when it is done until the next signal, false
   *                  when it stopped only because its batch was used up (it is run again at once)
   * @param onFailure told when the step throws (it ends the stream); the drain goes on afterwards
   */
  SerialDrain(Executor executor, BooleanSupplier step, Consumer<RuntimeException> onFailure) {
    this.executor = executor;
    this.step = step;
    this.onFailure = onFailure;
  }

  /** Something may be to do; runs the step soon, on the executor. Any thread, never blocks. */
  void signal() {
    if (pendingSignals.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    int missed = pendingSignals.get();
    while (true) {
      if (!runStep()) {
        // Signals stay counted: the next task sees them.
        executor.execute(this::drain);
        return;
      }
      missed = pendingSignals.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private boolean runStep() {
    try {
      return step.getAsBoolean();
    } catch (RuntimeException e) {
      try {
        onFailure.accept(e);
      } catch (RuntimeException second) {
        LOG.warn("ending a stream after {} failed too: {}", e.toString(), second.toString());
      }
      return true;
    }
  }
}
