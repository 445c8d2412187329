package dev.kvstore.client;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One plaintext gRPC channel per endpoint, created on first use and reused until closed. */
final class EndpointChannels implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EndpointChannels.class);
  // GetAll responses can be large; the gRPC default of 4 MiB would fail them on the client side.
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
  // The node permits pings every 5 s or slower; faster ones would get the connection closed.
  private static final long KEEPALIVE_INTERVAL_SECONDS = 10;
  private static final long KEEPALIVE_TIMEOUT_SECONDS = 5;

  private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** The channel for an endpoint, ready for a new call. */
  ManagedChannel channelFor(Endpoint endpoint) {
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    ManagedChannel channel = channels.computeIfAbsent(endpoint, EndpointChannels::open);
    if (closed) {
      // close() ran while this channel was being opened and did not see it.
      channel.shutdownNow();
      throw new IllegalStateException("KvClient is closed");
    }
    // A channel that failed to connect waits out gRPC's own reconnect backoff (up to minutes) and
    // fails calls fast meanwhile; the caller paces its attempts, so reconnect now instead.
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
    }
    return channel;
  }

  private static ManagedChannel open(Endpoint endpoint) {
    log.debug("opening channel to {}", endpoint);
    return NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
        .usePlaintext()
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        // A watch on a node that went silent (partitioned, paused, host gone) would otherwise wait
        // for TCP to give up, which takes many minutes; pings notice within seconds.
        .keepAliveTime(KEEPALIVE_INTERVAL_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .build();
  }

  @Override
  public void close() {
    closed = true;
    List<ManagedChannel> open = new ArrayList<>(channels.values());
    channels.clear();
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
  }
}
