package dev.kvstore.node.ops;

import dev.kvstore.node.api.TransportRejections;
import dev.kvstore.node.auth.CallerIdentity;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

/**
 * Refuses calls beyond the per-caller rate limit ({@link CallerBuckets}) with {@code
 * RESOURCE_EXHAUSTED}, before any service sees them: "rate limit of 50 requests/s for user 'alice'
 * exceeded; retry in 20 ms", and the trailer {@value #RETRY_AFTER_HEADER} (milliseconds). A refused
 * call costs a bucket look-up and an answer; its log line is rate-limited too.
 *
 * <p>The caller is the authenticated user ({@link CallerIdentity}), so this must run after {@code
 * Authentication}; a call without a user (authentication off, or an open method) counts against
 * its client's address (host, without the port: a client's connections share it).
 *
 * <p>A call takes one token when it starts; a client-streaming or bidirectional call also takes one
 * per request message (a watch stream's create and cancel requests, lease keep-alives), so one
 * long-lived stream cannot carry unlimited work. A message beyond the limit ends its stream with
 * the same status; the client opens a new one (kvstore's client resumes watches and keep-alives).
 * Health checks are never limited: an orchestrator must see a busy node as alive.
 */
public final class RateLimiting implements ServerInterceptor {

  /** Trailer of a refused call: milliseconds until the caller's next call would be accepted. */
  public static final String RETRY_AFTER_HEADER = "retry-after-ms";
  private static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of(RETRY_AFTER_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Set<String> UNLIMITED_SERVICES = Set.of("grpc.health.v1.Health");

  private final CallerBuckets buckets;
  private final RateLimitedLog log;

  /** @param log where refusals are reported, a line per interval at most */
  public RateLimiting(CallerBuckets buckets, RateLimitedLog log) {
    this.buckets = buckets;
    this.log = log;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    if (UNLIMITED_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Caller caller = Caller.of(CallerIdentity.current(), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    long waitNanos = buckets.tryAcquire(caller.key());
    if (waitNanos > 0) {
      refuse(call, caller, waitNanos);
      return new ServerCall.Listener<>() {};
    }
    if (!clientStreams(call.getMethodDescriptor())) {
      return next.startCall(call, headers);
    }
    StreamCall<Q, A> stream = new StreamCall<>(call);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(stream, headers)) {
      @Override
      public void onMessage(Q message) {
        if (stream.isClosed()) {
          return;
        }
        long wait = buckets.tryAcquire(caller.key());
        if (wait > 0) {
          refuse(stream, caller, wait);
          return;
        }
        super.onMessage(message);
      }
    };
  }

  /**
   * Whether the client may send several messages, as the method's proto declares it: the type the
   * transport sees is not the method's own (kvstore's {@code ServiceGuard} declares unary methods as
   * streaming to answer a second message itself).
   */
  static boolean clientStreams(MethodDescriptor<?, ?> method) {
    if (method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier proto) {
      return proto.getMethodDescriptor().isClientStreaming();
    }
    return !method.getType().clientSendsOneMessage();
  }

  private void refuse(ServerCall<?, ?> call, Caller caller, long waitNanos) {
    long retryMs = Math.max(1, (waitNanos + 999_999) / 1_000_000);
    String message = "rate limit of " + buckets.limits().requestsPerSecond() + " requests/s for " + caller
        + " exceeded; retry in " + retryMs + " ms";
    log.warn("rate-limit", "{} (on {}; more such refusals are not logged for a while)", message,
        call.getMethodDescriptor().getFullMethodName());
    Metadata trailers = new Metadata();
    trailers.put(RETRY_AFTER, Long.toString(retryMs));
    // Answered by kvstore, not cut off by the transport: TransportRejections need not report it.
    TransportRejections.answerMarkOfCurrentCall().run();
    call.close(Status.RESOURCE_EXHAUSTED.withDescription(message), trailers);
  }

  /**
   * Who a call counts against: a user, or else a client host (the audit log throttles its lines of
   * rate-limit refusals by the same caller).
   *
   * @param user the authenticated user, "" for none
   * @param host the client's host when there is no user, else ""
   */
  public record Caller(String user, String host) {

    /** The caller of a call by {@code user} ("" for none) from {@code remote}. */
    public static Caller of(String user, SocketAddress remote) {
      if (!user.isEmpty()) {
        return new Caller(user, "");
      }
      String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null
          ? inet.getAddress().getHostAddress()
          : String.valueOf(remote);
      return new Caller("", host);
    }

    /** Distinct for users and hosts, so that a user named like an address has a bucket of its own. */
    public String key() {
      return user.isEmpty() ? "address:" + host : "user:" + user;
    }

    @Override
    public String toString() {
      return user.isEmpty() ? "client address " + host : "user '" + user + "'";
    }
  }

  /**
   * A stream this interceptor may end while its service still runs: whatever the service sends or
   * closes after that is dropped instead of failing with "call already closed".
   */
  private static final class StreamCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private boolean closed;

    StreamCall(ServerCall<Q, A> delegate) {
      super(delegate);
    }

    synchronized boolean isClosed() {
      return closed;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }
  }
}
