package dev.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one unary call with failover: each attempt gets min(attempt timeout, time left), a node that
 * is unreachable or too slow makes the call move to the next endpoint, and the whole call ends
 * within the request timeout. Any other failure is the server's answer and ends the call at once.
 */
final class FailoverCaller {

  private static final Logger log = LoggerFactory.getLogger(FailoverCaller.class);

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
  private final Duration requestTimeout;
  private final Duration attemptTimeout;

  FailoverCaller(EndpointChannels channels, Duration requestTimeout, Duration attemptTimeout) {
    this.channels = channels;
    this.requestTimeout = requestTimeout;
    this.attemptTimeout = attemptTimeout;
  }

  /**
   * Calls {@code method} on the endpoints of {@code rotation} until one answers or the request
   * timeout is used up. {@code write} marks calls whose retries may have applied the request.
   */
  <ReqT, RespT> RespT call(
      EndpointRotation rotation, MethodDescriptor<ReqT, RespT> method, ReqT request, boolean write) {
    String rpc = method.getBareMethodName();
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    Backoff backoff = new Backoff(rotation.size());
    Map<Endpoint, AttemptFailure> lastFailureByEndpoint = new LinkedHashMap<>();
    boolean mayHaveApplied = false;
    int attempts = 0;
    int position = rotation.preferred();
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw exhausted(rpc, lastFailureByEndpoint, attempts, write && mayHaveApplied);
      }
      Endpoint endpoint = rotation.at(position);
      DeliveryTracer tracer = new DeliveryTracer();
      CallOptions options = CallOptions.DEFAULT
          .withDeadlineAfter(Math.min(attemptTimeout.toNanos(), remaining), TimeUnit.NANOSECONDS)
          .withStreamTracerFactory(tracer);
      attempts++;
      try {
        RespT response =
            ClientCalls.blockingUnaryCall(channels.channelFor(endpoint), method, options, request);
        rotation.succeeded(position);
        return response;
      } catch (StatusRuntimeException e) {
        AttemptFailure failure = AttemptFailure.of(endpoint, normalized(e.getStatus()), tracer);
        mayHaveApplied |= failure.mayHaveApplied();
        if (!RETRYABLE.contains(failure.status().getCode())) {
          // An earlier attempt may still be in flight inside Raft on another node, so a later
          // refusal does not undo it, unless the refusal says no attempt can ever apply.
          boolean unknown = write && mayHaveApplied && !NEVER_APPLIED.contains(failure.status().getCode());
          throw rejected(rpc, failure, unknown, e);
        }
        log.debug("{} attempt {} failed: {}", rpc, attempts, failure.describe());
        lastFailureByEndpoint.remove(endpoint);
        lastFailureByEndpoint.put(endpoint, failure);
        position = rotation.failed(position);
        Duration pause = backoff.afterFailure();
        if (!pause.isZero()) {
          if (pause.toNanos() >= deadline - System.nanoTime()) {
            // No attempt could start after the pause: report now rather than sleep to the end.
            throw exhausted(rpc, lastFailureByEndpoint, attempts, write && mayHaveApplied);
          }
          pauseFor(pause, rpc, write && mayHaveApplied);
        }
      }
    }
  }

  /**
   * A lost node counts as UNAVAILABLE however gRPC reported it: a broken connection (see
   * {@link ConnectionLoss}), or a node that shuts down and resets its open streams with CANCEL,
   * which gRPC reports as CANCELLED (unless this thread was interrupted or its context cancelled:
   * then it is the caller that gave up).
   */
  private static Status normalized(Status reported) {
    Status status = ConnectionLoss.asUnavailable(reported);
    if (status.getCode() != Status.Code.CANCELLED
        || Thread.currentThread().isInterrupted()
        || Context.current().isCancelled()) {
      return status;
    }
    return Status.UNAVAILABLE
        .withDescription("call cut off by the server: " + status.getDescription())
        .withCause(status.getCause());
  }

  private KvClientException exhausted(
      String rpc, Map<Endpoint, AttemptFailure> failures, int attempts, boolean outcomeUnknown) {
    List<AttemptFailure> all = List.copyOf(failures.values());
    Status.Code code = all.isEmpty()
        ? Status.Code.DEADLINE_EXCEEDED
        : all.get(all.size() - 1).status().getCode();
    String detail = all.stream().map(AttemptFailure::describe).collect(Collectors.joining(", "));
    String message = rpc + ": no endpoint answered within " + DurationText.of(requestTimeout)
        + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)")
        + (detail.isEmpty() ? "" : ": " + detail)
        + (outcomeUnknown ? "; the write may or may not have been applied" : "");
    return new KvClientException(code, message, outcomeUnknown, null);
  }

  private static KvClientException rejected(
      String rpc, AttemptFailure failure, boolean outcomeUnknown, StatusRuntimeException cause) {
    Status status = failure.status();
    String what = status.getCode() == Status.Code.CANCELLED
        ? rpc + " cancelled on " + failure.describe()
        : rpc + " failed: " + failure.describe();
    String message = what + (outcomeUnknown ? "; the write may or may not have been applied" : "");
    return new KvClientException(status.getCode(), message, outcomeUnknown, cause);
  }

  private static void pauseFor(Duration pause, String rpc, boolean outcomeUnknown) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvClientException(
          Status.Code.CANCELLED,
          rpc + " interrupted between retries"
              + (outcomeUnknown ? "; the write may or may not have been applied" : ""),
          outcomeUnknown,
          e);
    }
  }
}
