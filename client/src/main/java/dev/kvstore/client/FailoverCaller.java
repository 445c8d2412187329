package dev.kvstore.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Runs unary calls with failover, hedged reads and leader preference; each call is one
 * {@link FailoverCall}. Holds what calls share: the channels, what the client learned about the
 * cluster ({@link ClusterView}) and about response times ({@link AdaptiveTimeouts}).
 *
 * <p>Time budgets, precisely:
 *
 * <ul>
 *   <li><b>request timeout</b>: the whole call, from the moment {@link #call} is entered until it
 *       returns or throws: every connect, attempt, hedge and pause between attempts. Building
 *       channels is not part of it (they are built when the client is built, or, for an endpoint
 *       named only by this call, before its clock starts).
 *   <li><b>connect timeout</b>: how long one attempt waits for its endpoint's channel to connect
 *       (TCP and the HTTP/2 handshake), at most the time the request has left. An attempt whose
 *       endpoint does not connect in time fails with {@code UNAVAILABLE} ("could not connect") and
 *       the call moves on; nothing was sent, so nothing can have been applied.
 *   <li><b>attempt timeout</b>: the RPC on a connected channel, i.e. the deadline the node sees;
 *       armed only once the channel is READY, as min(adaptive attempt timeout, time left).
 * </ul>
 */
final class FailoverCaller {

  /** Codes that say "this node could not serve the call now", not "the call is wrong". */
  static final Set<Status.Code> RETRYABLE =
      EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

  /**
   * Codes with which a node refuses a write's command itself, so that no attempt of the call (all
   * carry its request id) was or will be applied, even one still in flight elsewhere.
   * INVALID_ARGUMENT: the command is malformed, and every attempt sends the same command.
   * FAILED_PRECONDITION: the request id was already applied for a different command. Had an attempt
   * of this command been applied under the id first, the node would have answered with its result
   * (a retry of the same command matches the command's digest); an attempt applied later finds
   * the id taken and is refused the same way (while the node remembers the id: 100,000 writes).
   */
  static final Set<Status.Code> NEVER_APPLIED =
      EnumSet.of(Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION);

  private final EndpointChannels channels;
  private final ClusterView view;
  private final AdaptiveTimeouts timeouts;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final boolean hedgeReads;

  FailoverCaller(
      EndpointChannels channels,
      ClusterView view,
      AdaptiveTimeouts timeouts,
      Duration requestTimeout,
      Duration connectTimeout,
      boolean hedgeReads) {
    this.channels = channels;
    this.view = view;
    this.timeouts = timeouts;
    this.requestTimeout = requestTimeout;
    this.connectTimeout = connectTimeout;
    this.hedgeReads = hedgeReads;
  }

  /**
   * Calls {@code method} on the endpoints of {@code rotation} until one gives a definitive answer
   * or the request timeout is used up, blocking the calling thread.
   *
   * @return the first successful response
   * @throws KvClientException with the server's status for a non-retryable answer, or with the last
   *     attempt's status ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}) when time ran out;
   *     {@code CANCELLED} when the calling thread was interrupted
   * @throws IllegalStateException when the client is closed
   */
  <ReqT, RespT> RespT call(
      EndpointRotation rotation, MethodDescriptor<ReqT, RespT> method, ReqT request, CallKind kind) {
    // Local set-up never counts against the request's time: resolve every channel first.
    rotation.endpoints().forEach(channels::channelFor);
    return new FailoverCall<>(this, rotation, method, request, kind).run();
  }

  EndpointChannels channels() {
    return channels;
  }

  ClusterView view() {
    return view;
  }

  AdaptiveTimeouts timeouts() {
    return timeouts;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  Duration connectTimeout() {
    return connectTimeout;
  }

  boolean hedgeReads() {
    return hedgeReads;
  }
}
