package dev.kvstore.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

/**
 * Makes a linearizable read safe on this node: completes once this node has applied everything
 * committed before the read began. The read itself then comes straight from local memory.
 *
 * <p>A round appends a no-op ({@code ReadBarrierOp}) through Raft, as any write, and waits until
 * the leader has applied it, then until this node has too. The no-op commits only if the leader
 * that appended it still led a majority afterwards, so every write acknowledged before the round
 * began sits before it in the log. This is Raft's read-only query through the log (Raft thesis,
 * section 6.4), not its cheaper read index: Ratis 3.3.0's read index answers at once, without
 * asking the followers, whenever a majority has acknowledged that commit index before, however
 * long ago; a leader cut off from its followers keeps its commit index, and so served reads that
 * missed the new leader's writes until it stepped down, a maximum election timeout after it last
 * heard from a majority. The failover suite caught this.
 *
 * <p>Rounds are shared. Up to {@link #MAX_ROUNDS_IN_FLIGHT} rounds run at once; a read that
 * arrives while that many run joins the next round, which starts when one of them is answered (a
 * round proves nothing about reads that began after its no-op was appended). Under load, one log
 * entry serves many reads, and a read waits for at most two rounds; with a free slot it waits for
 * one, started for it.
 */
final class ReadBarrier {

  /** Runs one round: completes with the no-op's log index once the leader applied it. */
  @FunctionalInterface
  interface Round {
    CompletableFuture<Long> run(Duration timeout);
  }

  private final Round round;
  private final LongFunction<CompletableFuture<Void>> localApply;
  /**
   * Rounds running at once. Two let a read that arrives during a round start its own instead of
   * waiting for that one to end (one round of wait instead of up to two), and still gather every
   * read that arrives while both run into one entry.
   */
  static final int MAX_ROUNDS_IN_FLIGHT = 2;

  private final Object lock = new Object();
  private int running;
  private Readers next;

  /**
   * @param round      appends one no-op through Raft (in the node: {@link CommandSubmitter})
   * @param localApply completes once this node has applied up to a committed index (in the node:
   *                   {@link CommitNudge#applied}); never exceptionally
   */
  ReadBarrier(Round round, LongFunction<CompletableFuture<Void>> localApply) {
    this.round = round;
    this.localApply = localApply;
  }

  /**
   * Completes when reads may proceed, or exceptionally after {@code timeout}: with a
   * {@link CatchingUpException} when the round passed but this node has not applied up to it yet,
   * a TimeoutException when the round did not pass, or with why the round failed (see
   * {@link RaftFailures#forRead}).
   */
  CompletableFuture<Void> await(Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<Void>().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    long deadline = System.nanoTime() + timeout.toNanos();
    Reader reader = new Reader(done);
    Readers start = null;
    synchronized (lock) {
      if (next == null && running < MAX_ROUNDS_IN_FLIGHT) {
        running++;
        start = new Readers();
        start.add(reader, deadline);
      } else {
        if (next == null) {
          next = new Readers();
        }
        next.add(reader, deadline);
      }
    }
    if (start != null) {
      run(start);
    }
    // Out of time after the round passed: the leader is fine, this node is behind.
    return done.handle((ignored, error) -> {
      if (error == null) {
        return null;
      }
      Throwable cause = RaftFailures.unwrap(error);
      long readIndex = reader.readIndex;
      if (cause instanceof TimeoutException && readIndex >= 0) {
        throw new CompletionException(new CatchingUpException(readIndex));
      }
      throw error instanceof CompletionException c ? c : new CompletionException(cause);
    });
  }

  /** Rounds running now, at most {@link #MAX_ROUNDS_IN_FLIGHT}; for the metrics. */
  int roundsInFlight() {
    synchronized (lock) {
      return running;
    }
  }

  /** Reads waiting for a round to start (every slot is taken); for the metrics. */
  int readsQueued() {
    synchronized (lock) {
      return next == null ? 0 : next.size();
    }
  }

  private void run(Readers readers) {
    long left = readers.latestDeadline() - System.nanoTime();
    if (left <= 0) {
      // Every reader of this round has given up already.
      finished();
      return;
    }
    round.run(Duration.ofNanos(left)).whenComplete((index, error) -> {
      if (error != null) {
        readers.fail(error);
      } else {
        // Committed and applied by the leader: this node may still be applying up to it.
        readers.committed(index);
        localApply.apply(index).whenComplete((ignored, e) -> readers.pass());
      }
      finished();
    });
  }

  private void finished() {
    Readers start;
    synchronized (lock) {
      start = next;
      next = null;
      if (start == null) {
        running--;
      }
    }
    if (start != null) {
      run(start);
    }
  }

  /** One read waiting at the barrier, and the read index its round committed (-1 until then). */
  private static final class Reader {
    final CompletableFuture<Void> done;
    volatile long readIndex = -1;

    Reader(CompletableFuture<Void> done) {
      this.done = done;
    }
  }

  /** The reads one round answers, each with its own deadline (System.nanoTime). */
  private static final class Readers {
    private final List<Reader> waiting = new ArrayList<>();
    private long latestDeadline = Long.MIN_VALUE;

    void add(Reader reader, long deadline) {
      waiting.add(reader);
      latestDeadline = Math.max(latestDeadline, deadline);
    }

    long latestDeadline() {
      return latestDeadline;
    }

    int size() {
      return waiting.size();
    }

    void committed(long index) {
      waiting.forEach(reader -> reader.readIndex = index);
    }

    void pass() {
      waiting.forEach(reader -> reader.done.complete(null));
    }

    void fail(Throwable error) {
      waiting.forEach(reader -> reader.done.completeExceptionally(error));
    }
  }
}
