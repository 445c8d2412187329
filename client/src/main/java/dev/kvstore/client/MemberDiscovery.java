package dev.kvstore.client;

import dev.kvstore.api.MemberHints;
import io.grpc.ClientCall;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

  private final List<Endpoint> endpoints;
  private final EndpointChannels channels;
  private final ClusterView view;
  private final Duration timeout;
  private final LongSupplier nanoClock;
  /** When each endpoint was last asked (nanoClock). */
  private final Map<Endpoint, Long> askedAt = new ConcurrentHashMap<>();
  private final Set<ClientCall<byte[], byte[]>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param endpoints every endpoint the client was given
   * @param timeout   deadline of one health check (in the client: the connect timeout)
   */
  MemberDiscovery(List<Endpoint> endpoints, EndpointChannels channels, ClusterView view, Duration timeout,
      LongSupplier nanoClock) {
    this.endpoints = List.copyOf(endpoints);
    this.channels = channels;
    this.view = view;
    this.timeout = timeout;
    this.nanoClock = nanoClock;
  }

  /** After the client learned something: asks the unknown endpoints if the leader's is unknown. */
  void afterLearning() {
    if (closed || !view.leaderEndpointUnknown()) {
      return;
    }
    long now = nanoClock.getAsLong();
    for (Endpoint endpoint : endpoints) {
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
