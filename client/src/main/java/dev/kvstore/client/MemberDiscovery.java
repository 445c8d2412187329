package dev.kvstore.client;

import dev.kvstore.api.ClusterGrpc;
import dev.kvstore.api.Member;
import dev.kvstore.api.MemberHints;
import dev.kvstore.api.MemberListRequest;
import dev.kvstore.api.MemberListResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out which member answers at the endpoints this client has not heard from, once it knows
 * who leads but not where: one health check to each such endpoint, whose trailers name the member
 * ({@link MemberHints#HEALTH_CHECK}). Without it, a client whose calls all went to one follower
 * (its first endpoint serves its reads) would never learn the leader's endpoint, and every write
 * would take the follower's extra hop to the leader: 8.5 ms against 3.6 ms per put with one in
 * flight on the local cluster (docs/benchmarks.md).
 *
 * <p>An endpoint is asked at most once per {@link #RETRY_INTERVAL} (it may be down, or run an older
 * node that sends no hints with a health check); the checks run in the background and never hold a
 * call up. Thread-safe.
 */
final class MemberDiscovery implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MemberDiscovery.class);
  /** How long before an endpoint that did not tell which member it is may be asked again. */
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(5);

  /** How often the client reads the cluster's membership to learn the endpoints of members added since. */
  static final Duration MEMBERSHIP_REFRESH = Duration.ofSeconds(30);

  private final EndpointRotation rotation;
  private final EndpointChannels channels;
  private final ClusterView view;
  private final Duration timeout;
  private final LongSupplier nanoClock;
  /** When the membership was last asked for (nanoClock); null: never. */
  private final AtomicReference<Long> membershipAskedAt = new AtomicReference<>();
  /** When each endpoint was last asked (nanoClock). */
  private final Map<Endpoint, Long> askedAt = new ConcurrentHashMap<>();
  private final Set<ClientCall<byte[], byte[]>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param rotation the client's endpoints; members the cluster's configuration names at a client
   *                 address the rotation lacks are appended to it
   * @param timeout  deadline of one health check or membership read (in the client: the connect timeout)
   */
  MemberDiscovery(EndpointRotation rotation, EndpointChannels channels, ClusterView view, Duration timeout,
      LongSupplier nanoClock) {
    this.rotation = rotation;
    this.channels = channels;
    this.view = view;
    this.timeout = timeout;
    this.nanoClock = nanoClock;
  }

  /**
   * After the client learned something from {@code from}: reads the membership there if it is due
   * (first time, then every {@link #MEMBERSHIP_REFRESH}), and asks the unknown endpoints if the
   * leader's is unknown.
   */
  void afterLearning(Endpoint from) {
    if (closed) {
      return;
    }
    long now = nanoClock.getAsLong();
    Long before = membershipAskedAt.get();
    if ((before == null || now - before >= MEMBERSHIP_REFRESH.toNanos()) && membershipAskedAt.compareAndSet(before, now)) {
      readMembership(from);
    }
    afterLearning();
  }

  /** After the client learned something: asks the unknown endpoints if the leader's is unknown. */
  void afterLearning() {
    if (closed || !view.leaderEndpointUnknown()) {
      return;
    }
    long now = nanoClock.getAsLong();
    for (Endpoint endpoint : rotation.endpoints()) {
      if (view.knows(endpoint)) {
        continue;
      }
      Long before = askedAt.get(endpoint);
      if (before != null && now - before < RETRY_INTERVAL.toNanos()) {
        continue;
      }
      // One caller wins the right to ask this endpoint now.
      boolean mine = before == null
          ? askedAt.putIfAbsent(endpoint, now) == null
          : askedAt.replace(endpoint, before, now);
      if (mine) {
        ask(endpoint);
      }
    }
  }

  private void ask(Endpoint endpoint) {
    ClientCall<byte[], byte[]> call;
    try {
      call = HealthCheckCall.newCall(channels.channelFor(endpoint), timeout);
    } catch (IllegalStateException closed) {
      return;
    }
    inFlight.add(call);
    HealthCheckCall.start(call, result -> {
      inFlight.remove(call);
      MemberHint.ofTrailers(result.trailers()).ifPresentOrElse(hint -> {
        log.debug("{} answers as member {}", endpoint, hint.memberId());
        view.learn(endpoint, hint);
      }, () -> log.debug("{} did not say which member it is: {}", endpoint, result.status()));
    });
  }

  /**
   * Reads the live membership ({@code Cluster.MemberList}) at {@code endpoint} and, when the cluster
   * has more members than the rotation has endpoints, appends the client address of every member
   * that has not answered at one of them, so that calls can fail over to members added after
   * the client started, and writes can go straight to such a leader. A node without the Cluster
   * service, or one that fails, is ignored until the next refresh. Members removed from the cluster
   * keep their place in the rotation (calls there fail over like to any node that is down).
   */
  private void readMembership(Endpoint endpoint) {
    ClientCall<MemberListRequest, MemberListResponse> call;
    try {
      call = channels.channelFor(endpoint).newCall(ClusterGrpc.getMemberListMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (IllegalStateException closed) {
      return;
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    ClientCall<byte[], byte[]> tracked = (ClientCall) call;
    inFlight.add(tracked);
    ClientCalls.asyncUnaryCall(call, MemberListRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(MemberListResponse response) {
        // Only a cluster with more members than this client has endpoints has members to add. A
        // member that answered at one of them is reached there: the address it advertises may be
        // one this client cannot use (a container's name, seen from the host).
        if (response.getMembersCount() <= rotation.size()) {
          return;
        }
        for (Member member : response.getMembersList()) {
          if (member.getClientAddress().isEmpty() || view.knowsMember(member.getId())) {
            continue;
          }
          try {
            Endpoint address = Endpoint.parse(member.getClientAddress());
            if (rotation.add(address)) {
              log.info("member {} serves at {} (from the cluster's membership at {}): added to the endpoints",
                  member.getId(), address, endpoint);
            }
          } catch (IllegalArgumentException malformed) {
            log.debug("member {} has a client address that is not host:port: {}", member.getId(),
                member.getClientAddress());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        inFlight.remove(tracked);
        log.debug("could not read the membership at {}: {}", endpoint, t.toString());
      }

      @Override
      public void onCompleted() {
        inFlight.remove(tracked);
      }
    });
  }

  /**
   * Cancels the health checks still running, so that closing the client's channels does not wait
   * for one to an endpoint that does not answer; asks nothing after this.
   */
  @Override
  public void close() {
    closed = true;
    inFlight.forEach(call -> call.cancel("client closing", null));
    inFlight.clear();
  }
}
