package dev.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real Netty channels, optionally slow to build, that record on the client side every call they
 * start: where, which RPC, how it ended, and how many calls of an RPC were open at once. The client
 * orders its own events, so these records show hedging and cancellation without racing the server.
 */
final class RecordingChannelFactory implements ChannelFactory {

  /**
   * One call as the client saw it: its deadline as the time left when the call was created (null
   * without one), and {@code closeStatus}, null while it is open.
   */
  static final class RecordedCall {
    final Endpoint endpoint;
    final String rpc;
    final Duration deadline;
    volatile Status closeStatus;

    RecordedCall(Endpoint endpoint, String rpc, Duration deadline) {
      this.endpoint = endpoint;
      this.rpc = rpc;
      this.deadline = deadline;
    }

    String endpointText() {
      return endpoint.toString();
    }
  }

  private final ChannelFactory delegate = new NettyChannelFactory(1);
  private final Duration buildDelay;
  private final List<RecordedCall> calls = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> maxOpen = new ConcurrentHashMap<>();
  private final AtomicInteger built = new AtomicInteger();

  RecordingChannelFactory() {
    this(Duration.ZERO);
  }

  /** Each channel takes {@code buildDelay} to build, as class loading on a busy machine can. */
  RecordingChannelFactory(Duration buildDelay) {
    this.buildDelay = buildDelay;
  }

  @Override
  public ManagedChannel open(Endpoint endpoint) {
    if (!buildDelay.isZero()) {
      try {
        // The slowness being simulated, not a wait for a condition.
        Thread.sleep(buildDelay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    built.incrementAndGet();
    return new Recording(endpoint, delegate.open(endpoint));
  }

  @Override
  public void close() {
    delegate.close();
  }

  int channelsBuilt() {
    return built.get();
  }

  /** Every call of {@code rpc} (e.g. "Get"), in the order the client started them. */
  List<RecordedCall> calls(String rpc) {
    return calls.stream().filter(call -> call.rpc.equals(rpc)).toList();
  }

  /** The most calls of {@code rpc} that were open at the same time. */
  int maxConcurrent(String rpc) {
    AtomicInteger max = maxOpen.get(rpc);
    return max == null ? 0 : max.get();
  }

  private final class Recording extends ManagedChannel {
    private final Endpoint endpoint;
    private final ManagedChannel channel;

    Recording(Endpoint endpoint, ManagedChannel channel) {
      this.endpoint = endpoint;
      this.channel = channel;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      String rpc = method.getBareMethodName();
      Duration deadline = options.getDeadline() == null
          ? null
          : Duration.ofNanos(options.getDeadline().timeRemaining(TimeUnit.NANOSECONDS));
      RecordedCall record = new RecordedCall(endpoint, rpc, deadline);
      return new SimpleForwardingClientCall<>(channel.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          calls.add(record);
          int now = open.computeIfAbsent(rpc, r -> new AtomicInteger()).incrementAndGet();
          maxOpen.computeIfAbsent(rpc, r -> new AtomicInteger()).accumulateAndGet(now, Math::max);
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              open.get(rpc).decrementAndGet();
              record.closeStatus = status;
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }

    @Override
    public String authority() {
      return channel.authority();
    }

    @Override
    public ManagedChannel shutdown() {
      channel.shutdown();
      return this;
    }

    @Override
    public boolean isShutdown() {
      return channel.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return channel.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
      channel.shutdownNow();
      return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return channel.awaitTermination(timeout, unit);
    }

    @Override
    public ConnectivityState getState(boolean requestConnection) {
      return channel.getState(requestConnection);
    }

    @Override
    public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
      channel.notifyWhenStateChanged(source, callback);
    }

    @Override
    public void resetConnectBackoff() {
      channel.resetConnectBackoff();
    }

    @Override
    public void enterIdle() {
      channel.enterIdle();
    }
  }
}
