package dev.kvstore.client;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Attempt timeouts and hedge delays that follow the response times this client observes, one
 * {@link ResponseTimeEstimate} per RPC method (a Put and a GetAll take different times).
 *
 * <p>A fixed attempt timeout is what every call pays on a node that is paused or cut off but still
 * accepts connections; adapting it lets calls leave such a node soon after its normal response
 * time has passed. The values:
 *
 * <ul>
 *   <li>attempt timeout = clamp(estimate, attempt floor, configured attempt timeout), doubled for
 *       each attempt of the same call that already ran out of time (as RFC 6298 backs its timer
 *       off), never above the configured attempt timeout. A call whose answers really are slow
 *       (a large GetAll) thus still gets the configured time on a later attempt. (The caller does
 *       not double for a node that stayed silent while another answered: it is paused or cut
 *       off, not slow.)
 *   <li>hedge delay = clamp(estimate, hedge floor, attempt timeout).
 * </ul>
 *
 * where estimate = SRTT + 4 * RTTVAR. Before the first successful sample of a method both are the
 * configured attempt timeout (no hedging yet). A floor above the configured attempt timeout is
 * lowered to it. Thread-safe.
 */
final class AdaptiveTimeouts {

  private final Duration configured;
  private final Duration attemptFloor;
  private final Duration hedgeFloor;
  private final Map<String, ResponseTimeEstimate> estimates = new ConcurrentHashMap<>();

  AdaptiveTimeouts(Duration configured, Duration attemptFloor, Duration hedgeFloor) {
    this.configured = configured;
    this.attemptFloor = min(attemptFloor, configured);
    this.hedgeFloor = min(hedgeFloor, configured);
  }

  /** The configured (maximum) attempt timeout. */
  Duration configured() {
    return configured;
  }

  /** Records a successful attempt of {@code method} that took {@code nanos} from start to answer. */
  void recordSuccess(String method, long nanos) {
    estimates.computeIfAbsent(method, m -> new ResponseTimeEstimate()).add(nanos);
  }

  /** The timeout for an attempt of {@code method} after {@code timedOutBefore} timed-out attempts of the same call. */
  Duration attemptTimeout(String method, int timedOutBefore) {
    OptionalLong estimate = estimate(method);
    if (estimate.isEmpty()) {
      return configured;
    }
    long nanos = Math.max(estimate.getAsLong(), attemptFloor.toNanos());
    for (int i = 0; i < timedOutBefore && nanos < configured.toNanos(); i++) {
      nanos *= 2;
    }
    return Duration.ofNanos(Math.min(nanos, configured.toNanos()));
  }

  /** How long a read of {@code method} waits for an answer before it is also sent to another endpoint. */
  Duration hedgeDelay(String method) {
    OptionalLong estimate = estimate(method);
    if (estimate.isEmpty()) {
      return configured;
    }
    long ceiling = attemptTimeout(method, 0).toNanos();
    return Duration.ofNanos(Math.min(Math.max(estimate.getAsLong(), hedgeFloor.toNanos()), ceiling));
  }

  private OptionalLong estimate(String method) {
    ResponseTimeEstimate estimate = estimates.get(method);
    return estimate == null ? OptionalLong.empty() : estimate.timeoutNanos();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
