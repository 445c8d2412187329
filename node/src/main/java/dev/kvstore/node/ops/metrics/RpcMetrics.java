package dev.kvstore.node.ops.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts every call of the client-facing gRPC server and times it, per method and final status
 * ({@code kvstore_rpc_duration_seconds}, a histogram; see docs/metrics.md), as go-grpc-prometheus
 * and etcd's {@code grpc_server_handled_total} do. The time runs from the call's start to its close
 * by the server, or to its cancellation (status CANCELLED: the client gave up or its deadline
 * passed): for the Watch stream, that is the stream's whole life.
 *
 * <p>Meters are built once per method and status (at the first such call) and then found by a map
 * and an array look-up, so a call costs two small wrapper objects and one timer update, no tag lists.
 */
final class RpcMetrics implements ServerInterceptor {

  /** From a serializable read at a leader (well under 1 ms) to a request timeout (5 s) and beyond. */
  private static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};
  private static final Status.Code[] CODES = Status.Code.values();

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, MethodTimers> methods = new ConcurrentHashMap<>();

  RpcMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    TimedCall<Q, R> timed = new TimedCall<>(call, timersOf(call.getMethodDescriptor()));
    return new SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
      @Override
      public void onCancel() {
        timed.finished(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  private MethodTimers timersOf(MethodDescriptor<?, ?> method) {
    MethodTimers timers = methods.get(method.getFullMethodName());
    return timers != null ? timers : methods.computeIfAbsent(method.getFullMethodName(),
        name -> new MethodTimers(method.getServiceName(), method.getBareMethodName()));
  }

  /** One method's timers, one per status code, each registered when that status first occurs. */
  private final class MethodTimers {
    private final String service;
    private final String method;
    private final AtomicReferenceArray<Timer> byCode = new AtomicReferenceArray<>(CODES.length);

    MethodTimers(String service, String method) {
      this.service = service;
      this.method = method;
    }

    Timer forCode(Status.Code code) {
      Timer timer = byCode.get(code.ordinal());
      if (timer == null) {
        // Two threads may both get here; the registry hands both the same timer.
        timer = Timer.builder("kvstore.rpc.duration")
            .description("gRPC calls served, by method and final status, and how long each took")
            .tag("service", service)
            .tag("method", method)
            .tag("status", code.name())
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
        byCode.set(code.ordinal(), timer);
      }
      return timer;
    }
  }

  /** A call that records its duration and status once: at its close or its cancellation. */
  private static final class TimedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TimedCall> RECORDED =
        AtomicIntegerFieldUpdater.newUpdater(TimedCall.class, "recorded");

    private final MethodTimers timers;
    private final long startNanos = System.nanoTime();
    private volatile int recorded;

    TimedCall(ServerCall<Q, R> call, MethodTimers timers) {
      super(call);
      this.timers = timers;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      finished(status.getCode());
      super.close(status, trailers);
    }

    void finished(Status.Code code) {
      if (RECORDED.compareAndSet(this, 0, 1)) {
        timers.forCode(code).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      }
    }
  }
}
