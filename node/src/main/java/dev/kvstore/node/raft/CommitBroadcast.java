package dev.kvstore.node.raft;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Tells the followers of a new commit index soon after it advances, instead of with the leader's
 * next append or heartbeat, as etcd's raft broadcasts an append when its commit index advances
 * ({@code maybeCommit}, then {@code bcastAppend}).
 *
 * <p>Ratis 3.3.0 sends the commit index only inside appends (with kvstore's log-metadata entries
 * off: see {@link RaftSettings}). While writes flow, the next append carries it within a
 * millisecond or two; after the last write of a burst, the followers learn of it only with the next
 * heartbeat, up to half an election timeout (375 ms by default) later. Until then a follower does
 * not apply the write: its watchers get the event that much later, a serializable read there does
 * not see it, and a write or linearizable read answered there waits ({@link CommitNudge}).
 *
 * <p>So, on the leader, every applied entry arms one check {@link #DELAY_NANOS} later (one check at
 * a time, whatever the rate of applies). The check sends a heartbeat, which carries the commit
 * index, to every follower that does not know the leader's commit index yet, holds the committed
 * entries (it acknowledged them) and was sent nothing since the latest apply. Under load an append
 * went out in between, so the check adds nothing; a lone write costs one empty append per follower.
 * When the applied entry is the last one in the leader's log, no append is coming to carry the
 * commit index, so the check runs at once instead: a write forwarded by a follower is answered
 * there only once that follower applied it, and with one such write at a time the delay was the
 * whole difference between a put through a follower and one through the leader (p50 6.2 ms against
 * 2.9, etcd 2.4, in the etcd comparison with requests spread round robin).
 *
 * <p>A follower still writing the entries (the leader committed with the others) would ignore the
 * commit index: a Ratis follower never commits past what it has flushed, and a heartbeat is
 * answered at once. So for a follower that answered recently (it is alive) and has not
 * acknowledged the entries, the check runs again {@link #DELAY_NANOS} later, until it has.
 * Thread-safe: {@link #applied} runs on the apply thread, the check on the node's timer.
 */
public final class CommitBroadcast {

  /**
   * How long after an apply the check runs, in ns: long enough for the next write's append to carry
   * the commit index when writes flow (appends leave at least 1 ms apart), short against the
   * time a write takes.
   */
  static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /**
   * A follower that answered within this time is alive, and worth checking again while it writes
   * the committed entries, in ns. One that did not is left to Ratis's heartbeats.
   */
  static final long ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** One follower of this node's leadership, as its log appender sees it. */
  public interface Follower {

    /** Whether the follower's last answer showed it knows the leader's current commit index. */
    boolean knowsCommit();

    /** Whether the follower has acknowledged every entry up to the leader's commit index. */
    boolean holdsCommitted();

    /** Time since the follower last answered anything, in ns. */
    long nanosSinceLastAnswer();

    /** Time since anything (an append or a heartbeat) was last sent to the follower, in ns. */
    long nanosSinceLastSend();

    /** Sends a heartbeat (an append without entries, carrying the commit index) soon. */
    void heartbeat();
  }

  private final Supplier<List<Follower>> followers;
  private final LongSupplier nextLogIndex;
  private final ReadIndexRound.Timer timer;
  private final LongSupplier clock;
  private final AtomicBoolean armed = new AtomicBoolean();
  private volatile long appliedAtNanos;

  /**
   * @param followers    the followers of this node's current leadership; empty when it does not lead
   * @param nextLogIndex the log index this node's next entry would take (one past its last)
   * @param clock        nanoseconds on the scale of {@link System#nanoTime}
   */
  public CommitBroadcast(Supplier<List<Follower>> followers, LongSupplier nextLogIndex, ReadIndexRound.Timer timer,
      LongSupplier clock) {
    this.followers = followers;
    this.nextLogIndex = nextLogIndex;
    this.timer = timer;
    this.clock = clock;
  }

  /**
   * Called on the apply thread after each entry: on a leader, runs the check at once when
   * {@code index} is the last entry of its log, else arms it if none is armed.
   */
  public void applied(long index) {
    appliedAtNanos = clock.getAsLong();
    if (followers.get().isEmpty()) {
      return;
    }
    if (isLastEntry(index)) {
      // Not on the apply thread: heartbeats wake the appenders, and the apply thread must not wait.
      timer.schedule(this::sweep, 0);
    } else if (!armed.get()) {
      arm();
    }
  }

  /** False also when the log cannot be read (the server is stopping): an exception here would fail the apply. */
  private boolean isLastEntry(long index) {
    try {
      return nextLogIndex.getAsLong() <= index + 1;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void arm() {
    if (armed.compareAndSet(false, true)) {
      timer.schedule(this::check, DELAY_NANOS);
    }
  }

  private void check() {
    // Disarmed first: an apply from now on arms the next check, so none is left unchecked.
    armed.set(false);
    sweep();
  }

  private void sweep() {
    long sinceApply = clock.getAsLong() - appliedAtNanos;
    boolean again = false;
    for (Follower follower : followers.get()) {
      if (follower.knowsCommit()) {
        continue;
      }
      if (!follower.holdsCommitted()) {
        // Its answer for the entries is still to come; the commit index makes sense after it.
        again |= follower.nanosSinceLastAnswer() < ALIVE_NANOS;
      } else if (follower.nanosSinceLastSend() >= sinceApply) {
        // Nothing sent since the apply: no append carried the commit index.
        follower.heartbeat();
      }
    }
    if (again) {
      arm();
    }
  }
}
