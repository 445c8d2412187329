package dev.kvstore.client;

import dev.kvstore.api.ResponseHeader;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One unary call with failover, driven by events; its outcome is a future.
 *
 * <p>Each attempt first waits for its endpoint's channel to connect (bounded by the connect timeout
 * and the time left), then starts the RPC with its deadline armed at that moment: min(attempt
 * timeout, time left). An unreachable or too slow node ({@link FailoverCaller#RETRYABLE}) makes
 * the call move on to the next endpoint, with {@link Backoff} after each full round; any other
 * answer is the server's word and ends the call at once. A write starts on the leader when the
 * client knows it ({@link ClusterView}), a read where the {@link ReadBalancer} chose (or, without
 * a choice, on the rotation's preferred endpoint), and a retry goes to a leader that a failed answer named
 * (unless that leader already failed in this call); otherwise attempts follow the rotation, so a
 * stale hint never makes a call skip live endpoints. A read that has not answered
 * within the hedge delay is also sent to the next endpoint; the first definitive answer (success or
 * non-retryable error) wins and the other attempt is cancelled. Writes are never hedged.
 *
 * <p>Threads: every event (the call started, a channel settled, an RPC answered, a timer fired,
 * the caller gave up) goes on a queue, and the events are handled one at a time, in order, by
 * whichever thread posted one while none was being handled: the caller's thread for the start
 * (so the first attempt's RPC is sent before {@link #start} returns, when the channel is up),
 * then gRPC's callback threads and the client's timer thread. Handling never blocks and runs no
 * user code; the outcome future completes on the handling thread, so only the client's own
 * continuations are attached to it ({@link FailoverCaller} waits on it or hands it off to the
 * callback executor). Timers (hedge, end of a pause, request deadline) are one wake-up on the
 * client's timer, re-armed for the earliest of them.
 */
final class FailoverCall<ReqT, RespT> {

  private static final Logger log = LoggerFactory.getLogger(FailoverCall.class);
  private static final long NEVER = Long.MAX_VALUE;

  private final FailoverCaller caller;
  private final EndpointRotation rotation;
  private final MethodDescriptor<ReqT, RespT> method;
  private final ReqT request;
  private final CallKind kind;
  private final ReadRoute route;
  /** The position the balancer chose for a read's first attempt, or -1 (see {@link #onStarted}). */
  private final int balancedStart;
  private final Function<RespT, ResponseHeader> header;
  private final String rpc;
  private final boolean hedging;
  private final Queue<Event> events = new ConcurrentLinkedQueue<>();
  /** Events posted and not yet handled; the thread that raises it from 0 handles them all. */
  private final AtomicInteger unhandled = new AtomicInteger();
  private final CompletableFuture<RespT> outcome = new CompletableFuture<>();
  /** Attempts run in the caller's context, as a call made on the caller's thread would. */
  private final Context callerContext = Context.current();
  private final List<Attempt> inFlight = new ArrayList<>(2);
  private final Map<Endpoint, AttemptFailure> lastFailureByEndpoint = new LinkedHashMap<>();
  private final Backoff backoff;

  private long deadline;
  private int attempts;
  private int timedOut;
  /** Endpoints whose attempt in this call ran out of time without any answer from the node. */
  private final Set<Endpoint> silent = new HashSet<>();
  /** Endpoints whose last attempt failed for TLS ({@link TlsMismatch}). */
  private final Set<Endpoint> tlsRefused = new HashSet<>();
  /** True once any node answered this call, even with an error. */
  private boolean nodeAnswered;
  /**
   * The last failure a node answered itself (not a timeout or lost connection on this side); when
   * the call runs out of time it says why better than a later attempt that had no time left.
   */
  private AttemptFailure lastNodeAnswer;
  private boolean mayHaveApplied;
  private boolean hedged;
  private long launchAt = NEVER;
  private int launchPosition;
  private boolean launchToLeader;
  private long hedgeAt = NEVER;
  private Attempt hedgeAfter;
  private ScheduledFuture<?> wakeUp;
  private long wakeUpAt = NEVER;
  private boolean finished;

  FailoverCall(
      FailoverCaller caller,
      EndpointRotation rotation,
      MethodDescriptor<ReqT, RespT> method,
      ReqT request,
      CallKind kind,
      ReadRoute route,
      int balancedStart,
      Function<RespT, ResponseHeader> header) {
    this.caller = caller;
    this.rotation = rotation;
    this.method = method;
    this.request = request;
    this.kind = kind;
    this.route = route;
    this.balancedStart = balancedStart;
    this.header = header;
    this.rpc = method.getBareMethodName();
    this.hedging = kind == CallKind.READ && caller.hedgeReads() && rotation.size() > 1;
    this.backoff = new Backoff(rotation.size());
  }

  /**
   * Starts the call: its first attempt is launched on this thread. The returned future completes
   * with the first successful response, or exceptionally with a {@link KvClientException} (the
   * server's status for a non-retryable answer; when the request timeout ran out, the status a
   * node last answered, else the last attempt's, {@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED};
   * {@code CANCELLED} after {@link #abort}) or an {@link IllegalStateException} when the client
   * is closed. It always completes within the request timeout, plus the time to handle the events
   * already queued.
   */
  CompletableFuture<RespT> start() {
    deadline = System.nanoTime() + caller.requestTimeout().toNanos();
    post(new Started());
    return outcome;
  }

  /**
   * Gives up on the call: its attempts are cancelled and its outcome fails with {@code CANCELLED}
   * saying {@code why} (and, for a write already sent, that it may have been applied). Does
   * nothing once the call has ended.
   */
  void abort(String why, Throwable cause) {
    post(new Aborted(why, cause));
  }

  /** The outcome {@link #start} returned. */
  CompletableFuture<RespT> outcome() {
    return outcome;
  }

  private void post(Event event) {
    events.add(event);
    if (unhandled.getAndIncrement() != 0) {
      return; // the thread handling events takes this one too
    }
    do {
      Event next = events.poll();
      if (!finished) {
        try {
          RespT response = handle(next);
          if (response != null) {
            finish(response, null);
          } else if (!finished) {
            advance();
          }
        } catch (RuntimeException failure) {
          finish(null, failure);
        }
      }
    } while (unhandled.decrementAndGet() != 0);
  }

  /** Does what is due now (give up, launch after a pause, hedge), then sleeps until the next thing due. */
  private void advance() {
    while (true) {
      long now = System.nanoTime();
      if (now >= deadline) {
        if (unhandled.get() > 1) {
          return; // answers that already arrived are taken in first; each is followed by this check
        }
        finishAtDeadline();
        return;
      }
      if (launchAt <= now && inFlight.size() < maxInFlight()) {
        launchAt = NEVER;
        int position = freePosition(launchPosition);
        launch(position, launchToLeader && position == launchPosition);
        continue;
      }
      if (hedgeAt <= now) {
        hedgeAt = NEVER;
        if (inFlight.size() == 1 && inFlight.get(0) == hedgeAfter) {
          hedged = true;
          Endpoint slow = hedgeAfter.endpoint;
          int position = freePosition(hedgeAfter.position + 1);
          log.debug("{} not answered by {} within its hedge delay; also sending it to {}",
              rpc, slow, rotation.at(position));
          launch(position, false);
          continue;
        }
      }
      long wakeAt = Math.min(deadline, hedgeAt);
      if (inFlight.size() < maxInFlight()) {
        wakeAt = Math.min(wakeAt, launchAt);
      }
      wakeUpAt(wakeAt);
      return;
    }
  }

  private void wakeUpAt(long at) {
    if (at == wakeUpAt) {
      return;
    }
    if (wakeUp != null) {
      wakeUp.cancel(false);
    }
    wakeUpAt = at;
    try {
      wakeUp = caller.timer().schedule(
          () -> post(new WokeUp()), Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      abandonAll("client closed");
      throw new IllegalStateException("KvClient is closed", e);
    }
  }

  private void finish(RespT response, RuntimeException failure) {
    finished = true;
    if (wakeUp != null) {
      wakeUp.cancel(false);
    }
    abandonAll(rpc + " ended");
    if (failure == null) {
      outcome.complete(response);
    } else {
      outcome.completeExceptionally(failure);
    }
  }

  private int maxInFlight() {
    return hedging ? 2 : 1;
  }

  /** The first position from {@code from} on whose endpoint no attempt of this call is running. */
  private int freePosition(int from) {
    for (int i = 0; i < rotation.size(); i++) {
      int position = (from + i) % rotation.size();
      if (inFlight.stream().noneMatch(attempt -> attempt.position == position)) {
        return position;
      }
    }
    throw new IllegalStateException("every endpoint already has an attempt of " + rpc);
  }

  private void launch(int position, boolean leaderDirected) {
    attempts++;
    Attempt attempt = new Attempt(attempts, rotation.at(position), position, leaderDirected);
    inFlight.add(attempt);
    caller.balancer().attemptStarted(attempt.endpoint);
    Duration connectWait = Duration.ofNanos(
        Math.min(caller.connectTimeout().toNanos(), Math.max(1, deadline - System.nanoTime())));
    attempt.connectWait = connectWait;
    caller.channels().connected(attempt.endpoint, connectWait)
        .whenComplete((state, error) -> post(new Connected(attempt, state, error)));
  }

  /** Returns the response when the call is done; throws when it failed for good; else null. */
  private RespT handle(Event event) {
    if (event instanceof Started) {
      onStarted();
    } else if (event instanceof Aborted aborted) {
      throw onAborted(aborted);
    } else if (event instanceof Connected connected && !connected.attempt().abandoned) {
      onConnected(connected);
    } else if (event instanceof Answered<?> answered && !answered.attempt().abandoned) {
      return onAnswered(answered);
    } else if (event instanceof WokeUp) {
      wakeUp = null;
      wakeUpAt = NEVER;
    }
    return null;
  }

  private void onStarted() {
    int preferred = rotation.preferred();
    int leader = kind == CallKind.WRITE
        ? caller.view().leaderEndpoint().map(rotation::positionOf).orElse(-1)
        : -1;
    if (leader >= 0 && leader != preferred) {
      launch(leader, true);
    } else if (balancedStart >= 0) {
      launch(balancedStart, false);
    } else {
      launch(preferred, false);
    }
  }

  private void onConnected(Connected event) {
    Attempt attempt = event.attempt();
    if (event.error() != null) {
      Throwable cause = event.error() instanceof CompletionException ? event.error().getCause() : event.error();
      if (cause instanceof IllegalStateException closed) {
        abandonAll("client closed");
        throw closed;
      }
      String why = cause instanceof TimeoutException
          ? "could not connect within " + DurationText.of(attempt.connectWait)
          : "could not connect: " + cause;
      ended(attempt);
      onRetryableFailure(attempt, new AttemptFailure(attempt.endpoint, Status.UNAVAILABLE.withDescription(why), false));
      return;
    }
    long now = System.nanoTime();
    long remaining = deadline - now;
    if (remaining <= 0) {
      return; // the loop ends the call at its deadline
    }
    // Doubling gives a slow but live node more time. A node that stayed silent while another
    // answered is paused or cut off, not slow: more time there would only be wasted.
    int doublings = silent.contains(attempt.endpoint) && nodeAnswered ? 0 : timedOut;
    Duration attemptTimeout = kind.adaptive()
        ? caller.timeouts().attemptTimeout(method.getFullMethodName(), doublings)
        : kind == CallKind.SNAPSHOT ? Duration.ofNanos(remaining) : caller.timeouts().configured();
    long attemptNanos = Math.min(attemptTimeout.toNanos(), remaining);
    CallOptions options = CallOptions.DEFAULT
        .withDeadlineAfter(attemptNanos, TimeUnit.NANOSECONDS)
        .withStreamTracerFactory(attempt.tracer);
    if (event.state() == ConnectivityState.TRANSIENT_FAILURE) {
      log.debug("{} could not connect to {}; the attempt fails with the transport's reason", rpc, attempt.endpoint);
    }
    Context previous = callerContext.attach();
    try {
      ClientCall<ReqT, RespT> call;
      try {
        call = caller.channels().channelFor(attempt.endpoint).newCall(method, options);
      } catch (IllegalStateException closed) {
        abandonAll("client closed");
        throw closed;
      }
      attempt.call = call;
      attempt.rpcStartNanos = now;
      ClientCalls.asyncUnaryCall(call, request, new AnswerObserver(attempt));
    } finally {
      callerContext.detach(previous);
    }
    long hedgeDelay = caller.timeouts().hedgeDelay(method.getFullMethodName()).toNanos();
    // A hedge due when the attempt times out anyway would only be a failover racing its own timer.
    if (hedging && !hedged && inFlight.size() == 1 && hedgeDelay < attemptNanos) {
      hedgeAfter = attempt;
      hedgeAt = now + hedgeDelay;
    }
  }

  private RespT onAnswered(Answered<?> event) {
    Attempt attempt = event.attempt();
    ended(attempt);
    nodeAnswered |= event.error() == null || attempt.tracer.serverAnswered();
    ClusterView view = caller.view();
    if (event.error() == null) {
      @SuppressWarnings("unchecked")
      RespT response = (RespT) event.response();
      ResponseHeader answeredHeader = header.apply(response);
      MemberHint.ofHeader(answeredHeader).ifPresent(hint -> {
        caller.learn(attempt.endpoint, hint);
        caller.balancer().revisionSeen(attempt.endpoint, answeredHeader.getRevision(), route.answersCurrentRevision());
      });
      view.served(attempt.endpoint);
      caller.balancer().answered(attempt.endpoint);
      if (kind.adaptive()) {
        caller.timeouts().recordSuccess(method.getFullMethodName(), System.nanoTime() - attempt.rpcStartNanos);
      }
      if (!attempt.leaderDirected) {
        rotation.succeeded(attempt.position);
      }
      abandonAll(rpc + " answered by " + attempt.endpoint);
      return response;
    }
    Status reported = Status.fromThrowable(event.error());
    Optional.ofNullable(Status.trailersFromThrowable(event.error()))
        .flatMap(MemberHint::ofTrailers)
        .ifPresent(hint -> caller.learn(attempt.endpoint, hint));
    Status status = normalized(reported);
    Optional<String> tlsMismatch = TlsMismatch.explain(status, caller.channels().tls());
    if (tlsMismatch.isPresent()) {
      // The explanation says it all; the transport's exception chain would only bury it.
      status = Status.UNAVAILABLE.withDescription(tlsMismatch.get());
      tlsRefused.add(attempt.endpoint);
    } else {
      tlsRefused.remove(attempt.endpoint);
    }
    AttemptFailure failure = AttemptFailure.of(attempt.endpoint, status, attempt.tracer);
    mayHaveApplied |= failure.mayHaveApplied();
    if (attempt.tracer.serverAnswered()) {
      lastNodeAnswer = failure;
    }
    if (!FailoverCaller.RETRYABLE.contains(failure.status().getCode())) {
      if (attempt.tracer.serverAnswered()) {
        caller.balancer().answered(attempt.endpoint);
      }
      abandonAll(rpc + " answered by " + attempt.endpoint);
      // An earlier attempt may still be in flight inside Raft on another node, so a later
      // refusal does not undo it, unless the refusal says no attempt can ever apply.
      boolean unknown = writeMayHaveApplied()
          && !FailoverCaller.NEVER_APPLIED.contains(failure.status().getCode());
      throw rejected(failure, unknown, event.error());
    }
    if (failure.status().getCode() == Status.Code.DEADLINE_EXCEEDED || attempt.tracer.serverSaidOutcomeUnknown()) {
      // Out of time here or on the node: the next attempt of this call gets more (RFC 6298's backoff).
      timedOut++;
      if (!attempt.tracer.serverAnswered()) {
        silent.add(attempt.endpoint);
      }
    }
    onRetryableFailure(attempt, failure);
    return null;
  }

  /**
   * Every endpoint failed for TLS (see {@link TlsMismatch}): no retry can succeed until the
   * client's or the nodes' configuration changes, so the call ends now.
   */
  private boolean tlsRefusedEverywhere() {
    return tlsRefused.size() >= rotation.size();
  }

  /** Endpoints that failed alike are named together: "a, b UNAVAILABLE (what to do)". */
  private KvClientException tlsRefused() {
    Map<String, List<String>> endpointsByReason = new LinkedHashMap<>();
    for (AttemptFailure failure : lastFailureByEndpoint.values()) {
      String endpoint = failure.endpoint().toString();
      endpointsByReason.computeIfAbsent(failure.describe().substring(endpoint.length()), r -> new ArrayList<>())
          .add(endpoint);
    }
    String detail = endpointsByReason.entrySet().stream()
        .map(e -> String.join(", ", e.getValue()) + e.getKey())
        .collect(Collectors.joining("; "));
    return new KvClientException(Status.Code.UNAVAILABLE, rpc + " failed: " + detail, writeMayHaveApplied(), null);
  }

  private void onRetryableFailure(Attempt attempt, AttemptFailure failure) {
    log.debug("{} attempt {} failed: {}", rpc, attempt.number, failure.describe());
    lastFailureByEndpoint.remove(attempt.endpoint);
    lastFailureByEndpoint.put(attempt.endpoint, failure);
    if (tlsRefusedEverywhere()) {
      abandonAll(rpc + " refused for TLS by every endpoint");
      throw tlsRefused();
    }
    caller.view().failed(attempt.endpoint);
    caller.balancer().failed(attempt.endpoint);
    if (hedgeAfter == attempt) {
      hedgeAt = NEVER;
      hedgeAfter = null;
    }
    int next = rotation.failed(attempt.position);
    int leader = retryLeader();
    launchToLeader = leader >= 0 && leader != next;
    if (launchToLeader) {
      next = leader;
    }
    long pause = backoff.afterFailure().toNanos();
    long now = System.nanoTime();
    if (inFlight.isEmpty() && pause > 0 && pause >= deadline - now) {
      // No attempt could start after the pause: report now rather than wait to the end.
      throw exhausted();
    }
    launchAt = now + pause;
    launchPosition = next;
  }

  /**
   * For a write: the leader's position when the client (perhaps just now, from the failed answer's
   * trailers) knows a leader that has not failed in this call; else -1, and the rotation decides.
   */
  private int retryLeader() {
    if (kind != CallKind.WRITE) {
      return -1;
    }
    return caller.view().leaderEndpoint()
        .filter(endpoint -> !lastFailureByEndpoint.containsKey(endpoint))
        .map(rotation::positionOf)
        .orElse(-1);
  }

  /** At the deadline, once the answers that had arrived are handled: gives up on the rest. */
  private void finishAtDeadline() {
    for (Attempt attempt : inFlight) {
      AttemptFailure failure = attempt.call == null
          ? new AttemptFailure(attempt.endpoint,
              Status.UNAVAILABLE.withDescription("still connecting when the request timeout ran out"), false)
          : new AttemptFailure(attempt.endpoint,
              Status.DEADLINE_EXCEEDED.withDescription("no answer before the request timeout ran out"),
              attempt.tracer.requestWritten());
      mayHaveApplied |= failure.mayHaveApplied();
      lastFailureByEndpoint.remove(attempt.endpoint);
      lastFailureByEndpoint.put(attempt.endpoint, failure);
    }
    abandonAll(rpc + " ran out of time");
    throw exhausted();
  }

  private void abandonAll(String reason) {
    for (Attempt attempt : inFlight) {
      attempt.abandoned = true;
      releaseLoad(attempt);
      if (attempt.call != null) {
        attempt.call.cancel(reason, null);
      }
    }
    inFlight.clear();
  }

  /** The attempt is over: it leaves this call's attempts in flight and its endpoint's load. */
  private void ended(Attempt attempt) {
    inFlight.remove(attempt);
    releaseLoad(attempt);
  }

  private void releaseLoad(Attempt attempt) {
    if (!attempt.loadReleased) {
      attempt.loadReleased = true;
      caller.balancer().attemptEnded(attempt.endpoint);
    }
  }

  private KvClientException onAborted(Aborted aborted) {
    for (Attempt attempt : inFlight) {
      mayHaveApplied |= attempt.call != null && attempt.tracer.requestWritten();
    }
    abandonAll(rpc + " " + aborted.why());
    boolean unknown = writeMayHaveApplied();
    return new KvClientException(
        Status.Code.CANCELLED, rpc + " " + aborted.why() + unknownSuffix(unknown), unknown, aborted.cause());
  }

  private boolean writeMayHaveApplied() {
    return kind == CallKind.WRITE && mayHaveApplied;
  }

  /**
   * A lost node counts as UNAVAILABLE however gRPC reported it: a broken connection (see
   * {@link ConnectionLoss}), or a node that shuts down and resets its open streams with CANCEL,
   * which gRPC reports as CANCELLED (unless the caller's context was cancelled: then it is the
   * caller that gave up). This call cancels only attempts it has already abandoned.
   */
  private Status normalized(Status reported) {
    Status status = ConnectionLoss.asUnavailable(reported);
    if (status.getCode() != Status.Code.CANCELLED || callerContext.isCancelled()) {
      return status;
    }
    return Status.UNAVAILABLE
        .withDescription("call cut off by the server: " + status.getDescription())
        .withCause(status.getCause());
  }

  /**
   * The call ran out of time or attempts. Its status is the last one a node answered, when one did
   * (a node that said "no leader" near the deadline, followed by a retry that had no time left,
   * is a node without a leader, not a silent one); otherwise the last attempt's.
   */
  private KvClientException exhausted() {
    List<AttemptFailure> all = List.copyOf(lastFailureByEndpoint.values());
    Status.Code code = lastNodeAnswer != null ? lastNodeAnswer.status().getCode()
        : all.isEmpty() ? Status.Code.DEADLINE_EXCEEDED
        : all.get(all.size() - 1).status().getCode();
    String detail = all.stream().map(AttemptFailure::describe).collect(Collectors.joining(", "));
    if (lastNodeAnswer != null && !all.contains(lastNodeAnswer)) {
      detail += "; before that " + lastNodeAnswer.describe();
    }
    boolean unknown = writeMayHaveApplied();
    String message = rpc + ": no endpoint answered within " + DurationText.of(caller.requestTimeout())
        + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)")
        + (detail.isEmpty() ? "" : ": " + detail)
        + unknownSuffix(unknown);
    return new KvClientException(code, message, unknown, null);
  }

  private KvClientException rejected(AttemptFailure failure, boolean outcomeUnknown, Throwable cause) {
    Status status = failure.status();
    String what = status.getCode() == Status.Code.CANCELLED
        ? rpc + " cancelled on " + failure.describe()
        : rpc + " failed: " + failure.describe();
    return new KvClientException(status.getCode(), what + unknownSuffix(outcomeUnknown), outcomeUnknown, cause);
  }

  private static String unknownSuffix(boolean outcomeUnknown) {
    return outcomeUnknown ? "; the write may or may not have been applied" : "";
  }

  /** One attempt on one endpoint. Its fields are touched only while handling events. */
  private static final class Attempt {
    final int number;
    final Endpoint endpoint;
    final int position;
    /** Sent to the leader ahead of the rotation: its success does not move the rotation's preference. */
    final boolean leaderDirected;
    final DeliveryTracer tracer = new DeliveryTracer();
    Duration connectWait;
    /** Null while the channel is connecting. */
    ClientCall<?, ?> call;
    long rpcStartNanos;
    boolean abandoned;
    /** Whether the balancer was told that this attempt ended. */
    boolean loadReleased;

    Attempt(int number, Endpoint endpoint, int position, boolean leaderDirected) {
      this.number = number;
      this.endpoint = endpoint;
      this.position = position;
      this.leaderDirected = leaderDirected;
    }
  }

  private sealed interface Event permits Started, Connected, Answered, WokeUp, Aborted {}

  /** The call was started: launch its first attempt. */
  private record Started() implements Event {}

  /** The attempt's channel settled (READY or TRANSIENT_FAILURE), or did not within its connect wait. */
  private record Connected(Attempt attempt, ConnectivityState state, Throwable error) implements Event {}

  /** The attempt's RPC ended: a response, or an error carrying the status and trailers. */
  private record Answered<T>(Attempt attempt, T response, Throwable error) implements Event {}

  /** The timer fired: something may be due (a launch after a pause, a hedge, the deadline). */
  private record WokeUp() implements Event {}

  /** The caller gave up on the call. */
  private record Aborted(String why, Throwable cause) implements Event {}

  /** Posts the RPC's outcome as an event. gRPC calls it serially, so no locking. */
  private final class AnswerObserver implements StreamObserver<RespT> {
    private final Attempt attempt;
    private RespT response;

    AnswerObserver(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    public void onNext(RespT value) {
      response = value;
    }

    @Override
    public void onError(Throwable error) {
      post(new Answered<>(attempt, null, error));
    }

    @Override
    public void onCompleted() {
      post(new Answered<>(attempt, response, null));
    }
  }
}
