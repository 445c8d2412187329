package dev.kvstore.client;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Netty channels, plaintext or TLS. An IP-literal endpoint gets its socket address directly, so no name
 * resolver runs (grpc's DNS resolver runs on an executor even for a literal, which on a busy machine
 * took hundreds of milliseconds of the first call's deadline); a host name keeps DNS resolution, so
 * a node whose address changes (a restarted container) is found again.
 *
 * <p>The channels share an event loop group of their own, made with the first channel and shut
 * down by {@link #close}, rather than gRPC's process-wide one, which lingers for a second after
 * its last channel closes: a JVM exiting while Netty threads wait in {@code epoll_wait} (native
 * code) waits 300 ms for them, a third of a one-shot CLI command (docs/benchmarks.md, "CLI
 * start-up"). The transport is the one gRPC would pick: Netty's native epoll when its library
 * loads, Java NIO otherwise (the CLI turns the native library off: loading it costs start-up time).
 */
final class NettyChannelFactory implements ChannelFactory {

  // GetAll responses can be large; the gRPC default of 4 MiB would fail them on the client side.
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
  // The node permits pings every 5 s or slower; faster ones would get the connection closed.
  private static final long KEEPALIVE_INTERVAL_SECONDS = 10;
  private static final long KEEPALIVE_TIMEOUT_SECONDS = 5;
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  private final int ioThreads;
  /** Null: plaintext. */
  private final SslContext tls;
  private final List<ClientInterceptor> interceptors;
  private EventLoopGroup group;
  /** The group's threads, to wait for on close. */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private Class<? extends SocketChannel> channelType;
  private boolean closed;

  /** Channels whose connections share {@code ioThreads} event loop threads (one connection uses one). */
  NettyChannelFactory(int ioThreads) {
    this(ioThreads, null);
  }

  /** Channels speaking TLS with {@code tls} (null: plaintext). */
  NettyChannelFactory(int ioThreads, SslContext tls) {
    this(ioThreads, tls, List.of());
  }

  /**
   * As {@link #NettyChannelFactory(int, SslContext)}, every call going through {@code interceptors}
   * (independent of each other: gRPC runs the last one first).
   */
  NettyChannelFactory(int ioThreads, SslContext tls, List<ClientInterceptor> interceptors) {
    this.ioThreads = ioThreads;
    this.tls = tls;
    this.interceptors = List.copyOf(interceptors);
  }

  @Override
  public boolean tls() {
    return tls != null;
  }

  /** @throws IllegalStateException once closed */
  @Override
  public synchronized ManagedChannel open(Endpoint endpoint) {
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    InetAddress literal = ipLiteral(endpoint.host());
    NettyChannelBuilder builder = literal != null
        ? NettyChannelBuilder.forAddress(new InetSocketAddress(literal, endpoint.port()))
        : NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port());
    if (group == null) {
      boolean epoll = Epoll.isAvailable();
      DefaultThreadFactory named = new DefaultThreadFactory("kvstore-client-io", true);
      group = new MultiThreadIoEventLoopGroup(ioThreads, (Runnable task) -> {
        Thread thread = named.newThread(task);
        threads.add(thread);
        return thread;
      },
          epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
      channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
    if (!interceptors.isEmpty()) {
      builder.intercept(interceptors);
    }
    return builder
        .eventLoopGroup(group)
        .channelType(channelType)
        // gRPC's callbacks run on the event loop: the client's listeners never block (they hand
        // events to the call and complete futures on the callback executor), and gRPC's default
        // executor, a cached pool, cost one more thread hop per response and grew a thread per
        // request in flight (a third of the load generator's CPU time; docs/benchmarks.md).
        .directExecutor()
        .sslContext(tls)
        .negotiationType(tls == null ? NegotiationType.PLAINTEXT : NegotiationType.TLS)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        // A watch on a node that went silent (partitioned, paused, host gone) would otherwise wait
        // for TCP to give up, which takes many minutes; pings notice within seconds.
        .keepAliveTime(KEEPALIVE_INTERVAL_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .build();
  }

  /**
   * Stops the event loop threads (at once: the channels have terminated) and waits until they have
   * ended, at most 2 s: the group's termination is signalled from those threads just before they
   * exit, so its future alone would return while they still run.
   */
  @Override
  public synchronized void close() {
    closed = true;
    if (group == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    boolean interrupted = false;
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      while (left > 0 && thread.isAlive()) {
        try {
          thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          interrupted = true;
        }
        left = deadline - System.nanoTime();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The address an IPv4 or IPv6 literal names, or null for a host name (which needs DNS). */
  static InetAddress ipLiteral(String host) {
    Matcher v4 = IPV4.matcher(host);
    boolean isV4 = v4.matches();
    if (isV4) {
      for (int group = 1; group <= 4; group++) {
        if (Integer.parseInt(v4.group(group)) > 255) {
          return null;
        }
      }
    }
    if (!isV4 && host.indexOf(':') < 0) {
      return null;
    }
    try {
      // A literal is parsed, never looked up: only names go to DNS.
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
