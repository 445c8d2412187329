package dev.kvstore.node.raft;

import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.statemachine.Leases;
import dev.kvstore.statemachine.proto.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease deadlines, kept by the leader only (etcd's lessor on its leader): the one place where
 * a clock decides that a lease ran out. Apply never reads a clock; this proposes the decision
 * through Raft ({@code LeaseExpireOp}), so every replica deletes the same keys at the same
 * revision.
 *
 * <p>Rules, each with its reason:
 * <ul>
 *   <li>Deadlines live only while this node is the ready leader ({@link Leadership#isLeaderReady()})
 *       of one term. When it becomes the leader of a new term, every lease gets a fresh TTL from
 *       then, as etcd's {@code Promote}: the old leader's deadlines (and the renewals it heard) are
 *       not known here, so a lease is never expired early by a leader change, only late (by up to
 *       a TTL). A lease that appears later (a grant applied after the promotion, or first seen
 *       when asked about) gets its TTL from when it is first seen.
 *   <li>A renewal sets the deadline to now plus the granted TTL. The caller answers the client
 *       only after this node confirmed its leadership after the renewal (see {@code PeerQueries}),
 *       so any newer leader was elected after it and counts its fresh TTL from later still.
 *   <li>An expiry names the term it was decided in; it is applied only from a log entry of that
 *       term (see {@code LeaseCommands.expire}), so a deposed leader's decision never lands after
 *       the next leader renewed the lease.
 *   <li>Expiries are proposed at most {@link #MAX_PER_PROPOSAL} leases at a time with one proposal
 *       in flight (etcd bounds its revoke rate too): a burst of expiries does not flood the log.
 *       A lease being expired is not renewed any more (a keep-alive gets "not found").
 * </ul>
 *
 * <p>Thread-safe: {@link #tick()} runs on a timer, renewals and questions on request threads, and
 * the {@link Leases.Listener} calls on the apply thread (all short, under this object's lock).
 */
public final class LeaseExpiry implements Leases.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseExpiry.class);
  /** Most leases one expiry proposal carries. */
  static final int MAX_PER_PROPOSAL = 256;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** Proposes an expiry decided in {@code term} through Raft; completes with its applied result. */
  @FunctionalInterface
  public interface Proposer {
    CompletableFuture<CommandResult> expire(List<Long> ids, long term);
  }

  /** Thrown when a renewal or a question reaches a node that is not the ready leader. */
  static final class NotLeaderException extends IllegalStateException {
    NotLeaderException(String message) {
      super(message);
    }
  }

  private record Deadline(long nanos, long id) {}

  private final Leadership member;
  private final LongFunction<OptionalLong> grantedTtl;
  private final Supplier<List<Leases.Lease>> all;
  private final Proposer proposer;
  private final LongSupplier clock;
  /** The term this node leads and keeps deadlines in; -1 when it does not lead. Guarded by this. */
  private long term = -1;
  private final Map<Long, Long> deadlines = new HashMap<>();
  /** The same deadlines, soonest first; entries that no longer match {@link #deadlines} are skipped. */
  private final PriorityQueue<Deadline> soonest = new PriorityQueue<>((a, b) -> Long.compare(a.nanos, b.nanos));
  private final Set<Long> expiring = new HashSet<>();
  private boolean proposing;
  private ScheduledFuture<?> ticks;

  /**
   * @param grantedTtl the replicated table's TTL of a lease, empty when it does not exist
   *                   ({@link Leases#grantedTtl}; the caller makes this the table's listener)
   * @param all        every lease of the table ({@link Leases#all})
   * @param proposer   proposes expiries through Raft
   * @param clock      monotonic nanoseconds ({@code System::nanoTime}; tests pass a fake)
   */
  public LeaseExpiry(Leadership member, LongFunction<OptionalLong> grantedTtl, Supplier<List<Leases.Lease>> all,
      Proposer proposer, LongSupplier clock) {
    this.member = member;
    this.grantedTtl = grantedTtl;
    this.all = all;
    this.proposer = proposer;
    this.clock = clock;
  }

  /** Ticks every {@code interval} on {@code scheduler} until closed. */
  public LeaseExpiry start(ScheduledExecutorService scheduler, Duration interval) {
    ticks = scheduler.scheduleWithFixedDelay(this::tickQuietly, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public void close() {
    if (ticks != null) {
      ticks.cancel(false);
    }
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      // A failed tick must not end the timer: the next one tries again.
      LOG.warn("{}: lease expiry check failed: {}", member.id(), e.toString());
    }
  }

  /** Checks leadership and proposes the expiry of leases whose deadline has passed; run it a few times a second. */
  void tick() {
    boolean ready = member.isLeaderReady();
    long currentTerm = member.term();
    List<Long> due;
    long decidedIn;
    synchronized (this) {
      if (!leading(ready, currentTerm) || proposing) {
        return;
      }
      due = takeDue(clock.getAsLong());
      if (due.isEmpty()) {
        return;
      }
      decidedIn = term;
      proposing = true;
    }
    LOG.info("{}: leases {} ran out of time; proposing their expiry (term {})", member.id(), hex(due), decidedIn);
    CompletableFuture<CommandResult> proposed;
    try {
      proposed = proposer.expire(due, decidedIn);
    } catch (RuntimeException e) {
      proposed = CompletableFuture.failedFuture(e);
    }
    proposed.whenComplete((result, error) -> proposed(due, decidedIn, result, error));
  }

  /**
   * Renews lease {@code id} to its granted TTL.
   *
   * @return the granted TTL in seconds; empty when the lease does not exist or is being expired
   * @throws NotLeaderException when this node is not the ready leader
   */
  OptionalLong renew(long id) {
    boolean ready = member.isLeaderReady();
    long currentTerm = member.term();
    synchronized (this) {
      requireLeading(ready, currentTerm);
      return renewLeading(id);
    }
  }

  private OptionalLong renewLeading(long id) {
    OptionalLong ttl = grantedTtl.apply(id);
    if (ttl.isEmpty() || expiring.contains(id)) {
      return OptionalLong.empty();
    }
    set(id, clock.getAsLong() + ttl.getAsLong() * NANOS_PER_SECOND);
    return ttl;
  }

  /**
   * Seconds lease {@code id} has left (rounded down; 0 once its deadline has passed).
   *
   * @return empty when the lease does not exist or is being expired
   * @throws NotLeaderException when this node is not the ready leader
   */
  OptionalLong remaining(long id) {
    boolean ready = member.isLeaderReady();
    long currentTerm = member.term();
    synchronized (this) {
      requireLeading(ready, currentTerm);
      return remainingLeading(id);
    }
  }

  private OptionalLong remainingLeading(long id) {
    OptionalLong ttl = grantedTtl.apply(id);
    if (ttl.isEmpty() || expiring.contains(id)) {
      return OptionalLong.empty();
    }
    long now = clock.getAsLong();
    Long deadline = deadlines.get(id);
    if (deadline == null) {
      deadline = now + ttl.getAsLong() * NANOS_PER_SECOND;
      set(id, deadline);
    }
    return OptionalLong.of(Math.max(0, deadline - now) / NANOS_PER_SECOND);
  }

  @Override
  public synchronized void granted(long id, long ttlSeconds) {
    if (term != -1 && !deadlines.containsKey(id)) {
      set(id, clock.getAsLong() + ttlSeconds * NANOS_PER_SECOND);
    }
  }

  @Override
  public synchronized void removed(long id) {
    deadlines.remove(id);
  }

  @Override
  public synchronized void reset() {
    if (term != -1) {
      long now = clock.getAsLong();
      Map<Long, Long> kept = new HashMap<>(deadlines);
      clear();
      for (Leases.Lease l : all.get()) {
        set(l.id(), kept.getOrDefault(l.id(), now + l.ttlSeconds() * NANOS_PER_SECOND));
      }
    }
  }

  private void requireLeading(boolean ready, long currentTerm) {
    if (!leading(ready, currentTerm)) {
      throw new NotLeaderException("node " + member.id() + " is not the leader (term " + member.term()
          + "); lease deadlines are kept by the leader" + member.leaderId().map(l -> " (" + l + ")").orElse(""));
    }
  }

  /**
   * Whether this node is the ready leader, as Ratis said just before the lock was taken (asked
   * outside it, so that this lock is never held while calling into Ratis); starts or drops the
   * deadlines when that changed. Holds the lock.
   */
  private boolean leading(boolean ready, long now) {
    if (!ready) {
      if (term != -1) {
        LOG.info("{}: no longer the leader of term {}; dropping {} lease deadlines", member.id(), term,
            deadlines.size());
        clear();
        term = -1;
      }
      return false;
    }
    if (now != term) {
      clear();
      term = now;
      long fresh = clock.getAsLong();
      List<Leases.Lease> live = all.get();
      for (Leases.Lease l : live) {
        set(l.id(), fresh + l.ttlSeconds() * NANOS_PER_SECOND);
      }
      LOG.info("{}: leading in term {}: {} leases get a fresh TTL", member.id(), term, live.size());
    }
    return true;
  }

  private List<Long> takeDue(long now) {
    List<Long> due = new ArrayList<>();
    while (!soonest.isEmpty() && soonest.peek().nanos() <= now && due.size() < MAX_PER_PROPOSAL) {
      Deadline d = soonest.poll();
      Long current = deadlines.get(d.id());
      if (current != null && current == d.nanos()) {
        deadlines.remove(d.id());
        expiring.add(d.id());
        due.add(d.id());
      }
    }
    return due;
  }

  private synchronized void proposed(List<Long> ids, long decidedIn, CommandResult result, Throwable error) {
    proposing = false;
    ids.forEach(expiring::remove);
    if (error != null || !result.getError().isEmpty()) {
      LOG.info("{}: expiry of leases {} (term {}) not applied: {}", member.id(), hex(ids), decidedIn,
          error != null ? RaftFailures.unwrap(error).toString() : result.getError());
    }
    if (term != decidedIn) {
      return;
    }
    // Leases the expiry did not remove (it failed) are due again: the next tick proposes them.
    long now = clock.getAsLong();
    for (long id : ids) {
      if (grantedTtl.apply(id).isPresent() && !deadlines.containsKey(id)) {
        set(id, now);
      }
    }
  }

  private void set(long id, long deadline) {
    deadlines.put(id, deadline);
    soonest.add(new Deadline(deadline, id));
  }

  private void clear() {
    deadlines.clear();
    soonest.clear();
    expiring.clear();
  }

  /** Leases being tracked now; for tests. */
  synchronized int tracked() {
    return deadlines.size();
  }

  private static List<String> hex(List<Long> ids) {
    return ids.stream().map(Long::toHexString).toList();
  }
}
