package dev.kvstore.client;

import dev.kvstore.api.MemberHints;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the endpoint a read starts on ({@link ReadBalancing}) and keeps what that takes, per
 * endpoint of the client: the attempts of this client in flight there, whether its last call failed
 * for lack of the node, and how many revisions behind the others its last sample showed it.
 *
 * <p><b>Least outstanding requests.</b> A read starts on the usable endpoint with the fewest
 * attempts in flight (of every kind of call, writes to the leader included, so the leader takes
 * fewer reads while it is busy with writes); ties are broken by a turn that advances with every read,
 * so a client with one call at a time goes round robin. Chosen over plain round robin because it
 * adapts: a slow node keeps its calls longer and so gets fewer new ones, where round robin would
 * keep giving it its share and let its queue grow (Envoy's and Finagle's least-request balancers).
 * Counting costs an atomic increment and decrement per attempt. This is how serializable reads
 * start; a linearizable read starts on the leader when the client knows it and it is ready, and
 * only otherwise as a serializable one (see {@link ReadBalancing#LEAST_OUTSTANDING} for why).
 *
 * <p><b>Usable</b>, in order of preference: (1) an endpoint whose last call did not fail for lack of
 * the node and whose channel is ready, idle or not built yet; (2) one whose channel is still
 * connecting (it may never finish: a black-holed address); (3) for a serializable read, one that
 * lags. Never: an endpoint whose last call failed with UNAVAILABLE or DEADLINE_EXCEEDED (down,
 * paused, cut off, without a leader) or whose channel is failing; when no endpoint is usable at all,
 * the read starts on the rotation's preferred endpoint, as before balancing, and fails over from
 * there.
 *
 * <p><b>Lag</b> is measured in store revisions, the unit a read's staleness is measured in, and
 * learned for free: an answer whose header revision is the member's applied one (a Get, a GetAll
 * page, a first Range page; see {@link ReadRoute}) is compared with the newest revision any answer
 * showed this client before it. A member more than the lag limit behind is avoided for serializable
 * reads; linearizable reads still go there (they wait for a read index from the leader wherever they
 * go). Revisions are the same on every member (assigned at apply), unlike anything time-based.
 *
 * <p><b>Getting back in.</b> An endpoint left out is not sent reads, so nothing would tell the client
 * it recovered: while reads would want it, it is sent a health check at most once per
 * {@link #PROBE_INTERVAL} (the first one an interval after it was left out). SERVING puts it back,
 * and the revision in the check's trailers ({@link MemberHints#REVISION}) is a lag sample. Any call
 * it answers puts it back too. Thread-safe; the races between an answer and a probe on the same
 * endpoint decide nothing that the next answer does not correct.
 */
final class ReadBalancer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReadBalancer.class);
  /** How often an endpoint left out is asked whether it is back, at most. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
  /** What {@link KvClient.Builder#serializableReadLagLimit} defaults to. */
  static final long DEFAULT_LAG_LIMIT = 1000;

  private static final int READY = 0;
  private static final int CONNECTING = 1;
  private static final int LAGGING = 2;
  private static final int UNUSABLE = 3;

  private final EndpointRotation rotation;
  private final Map<Endpoint, Member> members = new ConcurrentHashMap<>();
  private final ReadBalancing policy;
  private final boolean spreadLinearizable;
  private final long lagLimit;
  private final EndpointChannels channels;
  private final ClusterView view;
  private final Duration probeTimeout;
  private final LongSupplier nanoClock;
  /** The newest store revision any answer showed, a lower bound of the cluster's. */
  private final AtomicLong newestRevision = new AtomicLong();
  private final AtomicInteger turn = new AtomicInteger();
  private final Set<ClientCall<byte[], byte[]>> probes = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param rotation     the client's endpoints; calls over any other rotation (a snapshot aimed at
   *                     one endpoint) are not balanced
   * @param spreadLinearizable spread linearizable reads like serializable ones instead of starting
   *                     them on the leader (see {@link ReadBalancing#LEAST_OUTSTANDING})
   * @param lagLimit     revisions a member may be behind and still serve serializable reads
   * @param probeTimeout how long a probe may take to connect, and then to answer
   */
  ReadBalancer(EndpointRotation rotation, ReadBalancing policy, boolean spreadLinearizable, long lagLimit,
      EndpointChannels channels, ClusterView view, Duration probeTimeout, LongSupplier nanoClock) {
    this.rotation = rotation;
    this.policy = policy;
    this.spreadLinearizable = spreadLinearizable;
    this.lagLimit = lagLimit;
    this.channels = channels;
    this.view = view;
    this.probeTimeout = probeTimeout;
    this.nanoClock = nanoClock;
    long now = nanoClock.getAsLong();
    rotation.endpoints().forEach(endpoint -> members.put(endpoint, new Member(now)));
  }

  /**
   * The position in {@code rotation} a read should start at, or -1 when it should start where it
   * did before balancing (the rotation's preferred endpoint): with {@link ReadBalancing#STICKY},
   * over another rotation than the client's or a single endpoint, or when no endpoint is usable.
   * A linearizable read starts on the leader when it is known and ready (see
   * {@link ReadBalancing#LEAST_OUTSTANDING}).
   */
  int startOf(EndpointRotation rotation, ReadRoute route) {
    if (policy == ReadBalancing.STICKY || rotation != this.rotation || rotation.size() < 2) {
      return -1;
    }
    long now = nanoClock.getAsLong();
    if (!route.serializable() && !spreadLinearizable) {
      int leader = view.leaderEndpoint().map(rotation::positionOf).orElse(-1);
      if (leader >= 0) {
        Endpoint endpoint = rotation.at(leader);
        if (tier(endpoint, members.computeIfAbsent(endpoint, added -> new Member(now)), route, now) == READY) {
          return leader;
        }
      }
    }
    int size = rotation.size();
    int first = Math.floorMod(turn.getAndIncrement(), size);
    int best = -1;
    int bestTier = UNUSABLE;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < size; i++) {
      int position = (first + i) % size;
      Endpoint endpoint = rotation.at(position);
      // Endpoints the client learns from the live membership join the rotation later.
      Member member = members.computeIfAbsent(endpoint, added -> new Member(now));
      int tier = tier(endpoint, member, route, now);
      if (tier == UNUSABLE) {
        continue;
      }
      int load = member.outstanding.get();
      if (tier < bestTier || (tier == bestTier && load < bestLoad)) {
        best = position;
        bestTier = tier;
        bestLoad = load;
      }
    }
    return best;
  }

  private int tier(Endpoint endpoint, Member member, ReadRoute route, long now) {
    ConnectivityState state = channels.stateOf(endpoint);
    if (member.failed || state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
      probeIfDue(endpoint, member, now);
      return UNUSABLE;
    }
    if (route.serializable() && member.lag > lagLimit) {
      probeIfDue(endpoint, member, now);
      return LAGGING;
    }
    return state == ConnectivityState.CONNECTING ? CONNECTING : READY;
  }

  /** An attempt of any call was launched on {@code endpoint}. */
  void attemptStarted(Endpoint endpoint) {
    Member member = members.get(endpoint);
    if (member != null) {
      member.outstanding.incrementAndGet();
    }
  }

  /** An attempt on {@code endpoint} ended (answered, failed, or abandoned); once per attempt. */
  void attemptEnded(Endpoint endpoint) {
    Member member = members.get(endpoint);
    if (member != null) {
      member.outstanding.decrementAndGet();
    }
  }

  /** The node at {@code endpoint} answered a call itself (a response, or an error of its own). */
  void answered(Endpoint endpoint) {
    Member member = members.get(endpoint);
    if (member != null && member.failed) {
      member.failed = false;
      log.debug("{} answers again: reads may go there", endpoint);
    }
  }

  /**
   * A response from {@code endpoint} had a header at {@code revision}; {@code applied} when that is
   * the member's applied revision (see {@link ReadRoute#answersCurrentRevision}), which makes it a
   * lag sample. Every header raises the newest revision known.
   */
  void revisionSeen(Endpoint endpoint, long revision, boolean applied) {
    Member member = members.get(endpoint);
    if (applied && member != null) {
      sample(endpoint, member, revision);
    }
    newestRevision.accumulateAndGet(revision, Math::max);
  }

  /** A call on {@code endpoint} failed for lack of the node: reads avoid it until it is back. */
  void failed(Endpoint endpoint) {
    Member member = members.get(endpoint);
    if (member == null) {
      return;
    }
    if (!member.failed) {
      log.debug("{} failed a call: reads avoid it until it answers again", endpoint);
    }
    member.probeDueAt = nanoClock.getAsLong() + PROBE_INTERVAL.toNanos();
    member.failed = true;
  }

  /** Attempts of this client in flight on {@code endpoint} (for tests). */
  int outstanding(Endpoint endpoint) {
    Member member = members.get(endpoint);
    return member == null ? 0 : member.outstanding.get();
  }

  private void sample(Endpoint endpoint, Member member, long revision) {
    long lag = Math.max(0, newestRevision.get() - revision);
    boolean wasLagging = member.lag > lagLimit;
    boolean lagging = lag > lagLimit;
    if (lagging && !wasLagging) {
      member.probeDueAt = nanoClock.getAsLong() + PROBE_INTERVAL.toNanos();
      log.debug("{} is {} revisions behind (at {}): serializable reads avoid it", endpoint, lag, revision);
    } else if (wasLagging && !lagging) {
      log.debug("{} has caught up (at revision {}, {} behind)", endpoint, revision, lag);
    }
    member.lag = lag;
  }

  private void probeIfDue(Endpoint endpoint, Member member, long now) {
    if (closed || now - member.probeDueAt < 0 || !member.probing.compareAndSet(false, true)) {
      return;
    }
    member.probeDueAt = now + PROBE_INTERVAL.toNanos();
    channels.connected(endpoint, probeTimeout).whenComplete((state, error) -> {
      if (error != null) {
        member.probing.set(false);
        if (!closed) {
          failed(endpoint);
        }
        return;
      }
      ClientCall<byte[], byte[]> call;
      try {
        call = HealthCheckCall.newCall(channels.channelFor(endpoint), probeTimeout);
      } catch (IllegalStateException clientClosed) {
        member.probing.set(false);
        return;
      }
      probes.add(call);
      HealthCheckCall.start(call, result -> {
        probes.remove(call);
        probed(endpoint, member, result);
        member.probing.set(false);
      });
    });
  }

  private void probed(Endpoint endpoint, Member member, HealthCheckCall.Result result) {
    MemberHint.ofTrailers(result.trailers()).ifPresent(hint -> view.learn(endpoint, hint));
    if (!result.serving()) {
      log.debug("{} is still left out of reads: its health check answered {}", endpoint,
          result.status().isOk() ? "NOT_SERVING" : result.status());
      failed(endpoint);
      return;
    }
    answered(endpoint);
    OptionalLong revision = MemberHints.revision(result.trailers());
    if (revision.isPresent()) {
      revisionSeen(endpoint, revision.getAsLong(), true);
    } else {
      member.lag = 0; // a node that does not say: nothing to hold against it
    }
  }

  /** Cancels the probes still running and starts no more. */
  @Override
  public void close() {
    closed = true;
    probes.forEach(call -> call.cancel("client closing", null));
    probes.clear();
  }

  /** What the balancer knows about one endpoint. */
  private static final class Member {
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicBoolean probing = new AtomicBoolean();
    /** Its last call failed for lack of the node, or its last probe did not find it serving. */
    volatile boolean failed;
    /** Revisions behind the newest known, at its last sample. */
    volatile long lag;
    /** When it may be probed next (nanoClock). */
    volatile long probeDueAt;

    Member(long now) {
      this.probeDueAt = now;
    }
  }
}
