package dev.kvstore.client;

import dev.kvstore.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs unary calls with failover, hedged reads, read balancing and leader preference; each call is one
 * {@link FailoverCall}. Holds what calls share: the channels, what the client learned about the
 * cluster ({@link ClusterView}, {@link ReadBalancer}) and about response times ({@link AdaptiveTimeouts}), the timer
 * that wakes calls up (one daemon thread) and the executor that completes asynchronous callers'
 * futures. A blocking call ({@link #call}) and an asynchronous one ({@link #callAsync}) are the same
 * {@link FailoverCall}, waited for or handed off.
 *
 * <p>Time budgets, precisely:
 *
 * <ul>
 *   <li><b>request timeout</b>: the whole call, from the moment {@link #call} is entered until it
 *       returns or throws: every connect, attempt, hedge and pause between attempts. Building the
 *       channel the call starts on is not part of it (the first endpoint's is built with the
 *       client, and that loads the transport; one for an endpoint named only by this call is
 *       built before its clock starts); building another endpoint's channel when the call moves
 *       on to it is, and costs a few milliseconds.
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
  private final MemberDiscovery discovery;
  private final ReadBalancer balancer;
  private final AdaptiveTimeouts timeouts;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final boolean hedgeReads;
  private final ScheduledThreadPoolExecutor timer;
  private final Executor callbacks;
  /** The callback executor when this caller made it (and so shuts it down); else null. */
  private final ExecutorService ownCallbacks;

  /**
   * @param callbacks where asynchronous callers' futures complete; null: a cached pool of daemon
   *     threads that this caller owns and shuts down on {@link #close}
   */
  FailoverCaller(
      EndpointChannels channels,
      ClusterView view,
      MemberDiscovery discovery,
      ReadBalancer balancer,
      AdaptiveTimeouts timeouts,
      Duration requestTimeout,
      Duration connectTimeout,
      boolean hedgeReads,
      Executor callbacks) {
    this.channels = channels;
    this.view = view;
    this.discovery = discovery;
    this.balancer = balancer;
    this.timeouts = timeouts;
    this.requestTimeout = requestTimeout;
    this.connectTimeout = connectTimeout;
    this.hedgeReads = hedgeReads;
    this.timer = new ScheduledThreadPoolExecutor(1, daemon("kvstore-client-timer"));
    // Most wake-ups are request deadlines cancelled by the answer: do not keep them queued.
    this.timer.setRemoveOnCancelPolicy(true);
    this.ownCallbacks = callbacks == null ? Executors.newCachedThreadPool(daemon("kvstore-client-callback")) : null;
    this.callbacks = callbacks == null ? ownCallbacks : callbacks;
  }

  /**
   * Calls {@code method} on the endpoints of {@code rotation} until one gives a definitive answer
   * or the request timeout is used up, blocking the calling thread.
   *
   * @param start builds, checks and starts the call; may throw (see below) before sending anything
   * @return the first successful response
   * @throws KvClientException with the server's status for a non-retryable answer, or with the last
   *     attempt's status ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}) when time ran out;
   *     {@code CANCELLED} when the calling thread was interrupted (its interrupt flag stays set);
   *     {@code INVALID_ARGUMENT} for a request refused before sending
   * @throws IllegalStateException when the client is closed
   */
  <RespT> RespT call(Supplier<FailoverCall<?, RespT>> start) {
    FailoverCall<?, RespT> call = start.get();
    CompletableFuture<RespT> outcome = call.outcome();
    try {
      return outcome.get();
    } catch (InterruptedException e) {
      call.abort("interrupted", e);
      Thread.currentThread().interrupt();
      // Handled at once (on this thread, or by the one handling the call's events): no real wait.
      try {
        return outcome.join();
      } catch (CompletionException | CancellationException failed) {
        throw onCallingThread(failed.getCause() == null ? failed : failed.getCause());
      }
    } catch (ExecutionException failed) {
      throw onCallingThread(failed.getCause());
    }
  }

  /**
   * The same call as {@link #call}, without blocking: the returned future completes on the callback
   * executor with the response or the exception {@link #call} would throw (failures found before
   * sending included). Cancelling the future cancels the call's attempts.
   */
  <RespT> CompletableFuture<RespT> callAsync(Supplier<FailoverCall<?, RespT>> start) {
    FailoverCall<?, RespT> call;
    try {
      call = start.get();
    } catch (KvClientException | IllegalStateException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    CompletableFuture<RespT> result = new CompletableFuture<>();
    call.outcome().whenComplete((response, failure) -> {
      Runnable complete = () -> {
        if (failure == null) {
          result.complete(response);
        } else {
          result.completeExceptionally(failure);
        }
      };
      try {
        callbacks.execute(complete);
      } catch (RejectedExecutionException closed) {
        // The client was closed meanwhile: completing here still beats never completing.
        complete.run();
      }
    });
    result.whenComplete((response, failure) -> {
      if (failure instanceof CancellationException) {
        call.abort("cancelled by the caller", failure);
      }
    });
    return result;
  }

  /**
   * Starts a {@link FailoverCall} of {@code method} on the endpoints of {@code rotation}, a read as
   * a linearizable one that is no lag sample ({@link ReadRoute#ANY}).
   *
   * @throws IllegalStateException when the client is closed
   */
  <ReqT, RespT> FailoverCall<ReqT, RespT> start(
      EndpointRotation rotation, MethodDescriptor<ReqT, RespT> method, ReqT request, CallKind kind,
      Function<RespT, ResponseHeader> header) {
    return start(rotation, method, request, kind, ReadRoute.ANY, header);
  }

  /**
   * Starts a {@link FailoverCall} of {@code method} on the endpoints of {@code rotation}; a read
   * starts where the {@link ReadBalancer} says, as {@code route} describes it. The
   * channel of the endpoint it starts on is built first, so that a call aimed at a node of its
   * own never counts that set-up against its time; the others are built if the call moves on.
   * {@code header} reads the {@link ResponseHeader} of a response (the default instance when it
   * has none), from which the client learns the answering node, its leader and term. An accessor
   * rather than protobuf reflection: looking a field up by name builds the descriptors of the
   * whole API file on first use, tens of milliseconds of a one-shot CLI command
   * (docs/benchmarks.md, "CLI start-up").
   *
   * @throws IllegalStateException when the client is closed
   */
  <ReqT, RespT> FailoverCall<ReqT, RespT> start(
      EndpointRotation rotation, MethodDescriptor<ReqT, RespT> method, ReqT request, CallKind kind,
      ReadRoute route, Function<RespT, ResponseHeader> header) {
    int balanced = kind == CallKind.READ ? balancer.startOf(rotation, route) : -1;
    channels.channelFor(rotation.at(balanced >= 0 ? balanced : rotation.preferred()));
    FailoverCall<ReqT, RespT> call =
        new FailoverCall<>(this, rotation, method, request, kind, route, balanced, header);
    call.start();
    return call;
  }

  /**
   * Stops the timer and the callback executor this caller owns; calls still running end at their
   * deadline (the timer runs the wake-ups already due) or sooner, as their channels are closed.
   */
  void close() {
    timer.shutdown();
    if (ownCallbacks != null) {
      ownCallbacks.shutdown();
    }
  }

  /** The failure re-created on the calling thread, so that its stack trace shows the caller. */
  private static RuntimeException onCallingThread(Throwable failure) {
    if (failure instanceof KvClientException e) {
      return new KvClientException(e.code(), e.getMessage(), e.outcomeUnknown(), e.getCause());
    }
    if (failure instanceof IllegalStateException e) {
      return new IllegalStateException(e.getMessage(), e);
    }
    return failure instanceof RuntimeException e ? e : new IllegalStateException(failure);
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  /** Where asynchronous callers' futures complete and watch listeners run. */
  Executor callbacks() {
    return callbacks;
  }

  EndpointChannels channels() {
    return channels;
  }

  ClusterView view() {
    return view;
  }

  MemberDiscovery discovery() {
    return discovery;
  }

  ReadBalancer balancer() {
    return balancer;
  }

  /** Takes in what an answer from {@code from} said, and looks for the leader's endpoint if need be. */
  void learn(Endpoint from, MemberHint hint) {
    view.learn(from, hint);
    discovery.afterLearning(from);
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
