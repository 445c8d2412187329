package dev.kvstore.client;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC channel per endpoint, built on first need and reused until closed, and the "connect
 * first" step that calls and watches take before their own clocks start.
 *
 * <p>The first channel is built in the constructor: it loads the transport (class loading,
 * Netty's event loop: hundreds of milliseconds on a busy machine), which so never counts against
 * any call's time. Other channels cost a few milliseconds each once the transport is loaded; they
 * are built when a call, a watch or a connect first needs their endpoint, so a command that the
 * first endpoint serves never builds them. Connecting happens only when a call needs the endpoint
 * ({@link #connected}).
 */
final class EndpointChannels implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EndpointChannels.class);

  private final ChannelFactory factory;
  private final Map<Endpoint, Connection> connections = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Builds the channel of the first of {@code endpoints} now (no connection is made yet). */
  EndpointChannels(List<Endpoint> endpoints, ChannelFactory factory) {
    this.factory = factory;
    try {
      channelFor(endpoints.get(0));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * The channel for an endpoint, built now if it was not yet.
   *
   * @throws IllegalStateException when this client is closed
   */
  ManagedChannel channelFor(Endpoint endpoint) {
    return connectionTo(endpoint).channel;
  }

  private Connection connectionTo(Endpoint endpoint) {
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    Connection connection = connections.computeIfAbsent(endpoint, this::open);
    if (closed) {
      // close() ran while this channel was being built and did not see it.
      connection.channel.shutdownNow();
      throw new IllegalStateException("KvClient is closed");
    }
    return connection;
  }

  /**
   * Asks the endpoint's channel to connect and completes when a call on it would no longer wait
   * for a connection: with {@code READY}, or with {@code TRANSIENT_FAILURE} when connecting failed
   * (a call started then fails at once with the transport's reason, e.g. connection refused). It
   * completes exceptionally with a {@link java.util.concurrent.TimeoutException} when neither
   * happened within {@code timeout} (a black-holed address, or a paused process whose kernel accepts
   * the TCP connection but which never answers the HTTP/2 handshake), and with an
   * {@link IllegalStateException} when the client was closed. Waits on connectivity-state
   * notifications, never by polling; completes on a gRPC or timer thread.
   */
  CompletableFuture<ConnectivityState> connected(Endpoint endpoint, Duration timeout) {
    try {
      return connectionTo(endpoint).awaitSettled(timeout);
    } catch (IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The connectivity state of the endpoint's channel, without building it or asking it to connect:
   * {@code IDLE} for a channel not built yet, {@code SHUTDOWN} once this client is closed.
   */
  ConnectivityState stateOf(Endpoint endpoint) {
    if (closed) {
      return ConnectivityState.SHUTDOWN;
    }
    Connection connection = connections.get(endpoint);
    return connection == null ? ConnectivityState.IDLE : connection.channel.getState(false);
  }

  /** How many attempts are waiting for the endpoint's channel to connect (for tests). */
  int waiting(Endpoint endpoint) {
    Connection connection = connections.get(endpoint);
    return connection == null ? 0 : connection.waiters.size();
  }

  private Connection open(Endpoint endpoint) {
    log.debug("building channel to {}", endpoint);
    return new Connection(factory.open(endpoint));
  }

  /**
   * One endpoint's channel and the attempts waiting for it to connect. At most one state listener
   * is registered per channel however many attempts wait, and a waiter that times out leaves, so
   * a node that never finishes its handshake does not pile up listeners call after call.
   */
  private static final class Connection {
    final ManagedChannel channel;
    private final Set<CompletableFuture<ConnectivityState>> waiters = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean following = new AtomicBoolean();

    Connection(ManagedChannel channel) {
      this.channel = channel;
    }

    CompletableFuture<ConnectivityState> awaitSettled(Duration timeout) {
      ConnectivityState state = channel.getState(true);
      switch (state) {
        case READY:
          return CompletableFuture.completedFuture(state);
        case TRANSIENT_FAILURE:
          // gRPC waits out its reconnect backoff (up to minutes) and fails calls fast meanwhile;
          // the caller paces its own attempts, so reconnect now. This attempt still fails fast with
          // the last reason: grpc's pick-first stays in TRANSIENT_FAILURE until a connection is READY.
          channel.resetConnectBackoff();
          return CompletableFuture.completedFuture(state);
        case SHUTDOWN:
          return CompletableFuture.failedFuture(new IllegalStateException("KvClient is closed"));
        default:
          CompletableFuture<ConnectivityState> waiter = new CompletableFuture<>();
          waiters.add(waiter);
          waiter.orTimeout(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS)
              .whenComplete((settled, error) -> waiters.remove(waiter));
          if (following.compareAndSet(false, true)) {
            follow(state);
          }
          // The state may have settled before this waiter was added: look once more.
          settleIfDone(channel.getState(false));
          return waiter;
      }
    }

    private void follow(ConnectivityState from) {
      // Fires at once if the state already differs from `from`, so no change is missed.
      channel.notifyWhenStateChanged(from, () -> {
        ConnectivityState now = channel.getState(true);
        if (now == ConnectivityState.READY || now == ConnectivityState.TRANSIENT_FAILURE
            || now == ConnectivityState.SHUTDOWN) {
          following.set(false);
          settleIfDone(now);
        } else {
          follow(now);
        }
      });
    }

    private void settleIfDone(ConnectivityState state) {
      switch (state) {
        case READY, TRANSIENT_FAILURE -> waiters.forEach(waiter -> waiter.complete(state));
        case SHUTDOWN -> waiters.forEach(waiter ->
            waiter.completeExceptionally(new IllegalStateException("KvClient is closed")));
        default -> { }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    List<ManagedChannel> open = connections.values().stream().map(connection -> connection.channel).toList();
    connections.clear();
    open.forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : open) {
      try {
        if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    factory.close();
  }

  /** Whether the channels speak TLS. */
  boolean tls() {
    return factory.tls();
  }
}
