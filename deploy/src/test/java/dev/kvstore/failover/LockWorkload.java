package dev.kvstore.failover;

import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.client.Cmp;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.LeaseKeepAlive;
import dev.kvstore.client.LeaseKeepAliveListener;
import dev.kvstore.client.Op;
import dev.kvstore.client.Txn;
import dev.kvstore.failover.store.MutualExclusionCheck;
import dev.kvstore.failover.store.StoreTimeline;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients taking one lock with a lease while faults happen, as etcd's concurrency recipes do: grant
 * a lease and keep it alive; acquire with {@code if version(lock) == 0 then put lock = name (with the
 * lease) else get lock}; while holding, write the protected key only with {@code if
 * create_revision(lock) == token then put} (the lock's create revision is the fencing token);
 * release by deleting the lock key, fenced the same way. Some holders stop renewing while holding
 * and keep writing until the fence turns them away: their lease expires and they lose the lock.
 * Every transaction is recorded in the store history; {@link #mutualExclusionViolations} checks
 * the protected writes against it.
 */
final class LockWorkload implements AutoCloseable {

  /** Process numbers of this workload's clients start here, apart from the other workloads'. */
  private static final int FIRST_PROCESS = 200;
  private static final Duration TTL = Duration.ofSeconds(3);
  /** How long a holder that stopped renewing keeps trying to write before it gives up. */
  private static final Duration STALLED_HOLDER_LIMIT = Duration.ofSeconds(12);

  private final String lockKey;
  private final String dataKey;
  private final RecordedStoreCalls calls;
  private final ClientLoops loops;
  private final AtomicLong acquisitions = new AtomicLong();
  private final AtomicLong protectedWrites = new AtomicLong();
  private final AtomicLong fencedOff = new AtomicLong();
  /** Per client (each touched by its own thread only): its random source and tenure count. */
  private final Random[] randoms;
  private final long[] tenures;

  /**
   * @param runPrefix the run's key prefix; the lock is {@code runPrefix + "lock/owner"}, the
   *                  protected key {@code runPrefix + "lock/data"}
   * @param access    how its clients connect (TLS, sign-in)
   * @param endpoints every node; each client fails over between them
   * @param holders   how many clients compete for the lock
   */
  LockWorkload(String runPrefix, ClientAccess access, List<String> endpoints, int holders, RecordedStoreCalls calls,
      long seed) {
    this.lockKey = runPrefix + "lock/owner";
    this.dataKey = runPrefix + "lock/data";
    this.calls = calls;
    this.loops = new ClientLoops("lock-" + lockKey,
        ClientLoops.failoverAndPinned(access, endpoints, List.of(), holders));
    randoms = new Random[holders];
    Arrays.setAll(randoms, i -> new Random(seed * 41 + i));
    tenures = new long[holders];
  }

  void start() {
    loops.start(this::step);
  }

  private void step(int index, KvClient client) {
    int process = FIRST_PROCESS + index;
    String holder = "p" + process + "-" + (++tenures[index]);
    try {
      holdOnce(client, process, holder, randoms[index]);
    } catch (KvClientException e) {
      // recorded where it was a store call; the next tenure starts from a new lease
    }
    loops.pause(50 + randoms[index].nextInt(100));
  }

  /** One tenure: lease, acquire, a few protected writes, release (or stall until fenced off), revoke. */
  private void holdOnce(KvClient client, int process, String holder, Random random) {
    long lease = client.lease().grant(TTL).getId();
    AtomicBoolean lost = new AtomicBoolean();
    LeaseKeepAlive keepAlive = client.lease().keepAlive(lease, new LeaseKeepAliveListener() {
      @Override
      public void lost(KvClientException reason) {
        lost.set(true);
      }
    });
    try {
      long token = acquire(client, process, holder, lease);
      if (token == 0) {
        return;
      }
      acquisitions.incrementAndGet();
      boolean stall = random.nextInt(5) == 0;
      if (stall) {
        // the holder hangs: its lease runs out and the fence must turn its late writes away
        keepAlive.close();
        long deadline = System.nanoTime() + STALLED_HOLDER_LIMIT.toNanos();
        for (long n = 1; loops.running() && System.nanoTime() < deadline; n++) {
          if (!writeProtected(client, process, holder, token, n)) {
            fencedOff.incrementAndGet();
            return;
          }
          loops.pause(300);
        }
        return;
      }
      int writes = 2 + random.nextInt(4);
      for (long n = 1; n <= writes && loops.running() && !lost.get(); n++) {
        if (!writeProtected(client, process, holder, token, n)) {
          fencedOff.incrementAndGet();
          return;
        }
        loops.pause(30 + random.nextInt(60));
      }
      Txn release = Txn.when(Cmp.createRevision(lockKey).equal(token)).then(Op.delete(lockKey));
      calls.call(process, release.request(), () -> client.txn(release), r -> r);
    } finally {
      keepAlive.close();
      try {
        client.lease().revoke(lease);
      } catch (KvClientException e) {
        // expired already, or unreachable: it expires by itself
      }
    }
  }

  /**
   * Tries to take the lock; its token (the lock key's create revision) when this holder has it,
   * also when an earlier attempt whose outcome was unknown took it; 0 otherwise.
   */
  private long acquire(KvClient client, int process, String holder, long lease) {
    RequestOp put = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(lockKey)
        .setValue(ByteString.copyFromUtf8(holder)).setLease(lease)).build();
    Txn acquire = Txn.when(Cmp.version(lockKey).equal(0)).then(put).orElse(Op.get(lockKey));
    TxnResponse r = calls.call(process, acquire.request(), () -> client.txn(acquire), x -> x);
    if (r.getSucceeded()) {
      return r.getHeader().getRevision();
    }
    List<KeyValue> owner = r.getResponses(0).getResponseRange().getKvsList();
    return !owner.isEmpty() && owner.get(0).getValue().toStringUtf8().equals(holder)
        ? owner.get(0).getCreateRevision() : 0;
  }

  /** A write of the protected key fenced on the token; false when the fence turned it away. */
  private boolean writeProtected(KvClient client, int process, String holder, long token, long n) {
    Txn write = Txn.when(Cmp.createRevision(lockKey).equal(token))
        .then(Op.put(dataKey, MutualExclusionCheck.protectedValue(holder, token, n)))
        .orElse(Op.get(lockKey));
    TxnResponse r = calls.call(process, write.request(), () -> client.txn(write), x -> x);
    if (r.getSucceeded()) {
      protectedWrites.incrementAndGet();
    }
    return r.getSucceeded();
  }

  /** Stops the clients, letting tenures in flight end (a stalled holder within its limit). */
  void stop() throws InterruptedException {
    loops.stop();
  }

  long acquisitions() {
    return acquisitions.get();
  }

  long protectedWrites() {
    return protectedWrites.get();
  }

  /** Protected writes the fence turned away: the holder had lost the lock. */
  long fencedOff() {
    return fencedOff.get();
  }

  /** See {@link MutualExclusionCheck}. */
  List<String> mutualExclusionViolations(StoreTimeline timeline) {
    return MutualExclusionCheck.check(timeline, lockKey, dataKey);
  }

  @Override
  public void close() {
    loops.close();
  }
}
