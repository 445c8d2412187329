package dev.kvstore.node.api;

import dev.kvstore.node.ops.RateLimitedLog;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.net.SocketAddress;

/**
 * Logs, one short line and rate-limited, each call the transport ended before kvstore answered it
 * because of what the client sent: a message above the inbound ceiling ({@code RESOURCE_EXHAUSTED}),
 * a malformed gRPC frame or an unusable compression ({@code INTERNAL}). grpc-java logs those itself
 * as a WARNING with a stack trace per request, from {@code NettyServerStream}; the node's logging
 * configuration silences that logger, and this takes its place.
 *
 * <p>Which calls kvstore answered is learnt from {@link GuardedCall}: each stream puts a mark in
 * its call's {@link Context}, and closing a guarded call sets it.
 */
public final class TransportRejections extends ServerStreamTracer.Factory {

  private static final Context.Key<StreamTracer> STREAM = Context.key("kvstore-stream-tracer");

  private final RateLimitedLog log;

  /** Logs each rejected call through {@code log}, rate-limited. */
  public TransportRejections(RateLimitedLog log) {
    this.log = log;
  }

  /**
   * What marks the current call (the one whose context is current) as answered by kvstore; a no-op
   * outside a call traced by this factory.
   */
  public static Runnable answerMarkOfCurrentCall() {
    StreamTracer tracer = STREAM.get();
    return tracer == null ? () -> { } : tracer::markAnswered;
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new StreamTracer(fullMethodName);
  }

  private final class StreamTracer extends ServerStreamTracer {
    private final String method;
    private volatile boolean answered;
    private volatile SocketAddress remote;

    StreamTracer(String method) {
      this.method = method;
    }

    void markAnswered() {
      answered = true;
    }

    @Override
    public Context filterContext(Context context) {
      return context.withValue(STREAM, this);
    }

    @Override
    public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
      remote = callInfo.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    }

    @Override
    public void streamClosed(Status status) {
      Status.Code code = status.getCode();
      if (answered || (code != Status.Code.RESOURCE_EXHAUSTED && code != Status.Code.INTERNAL)) {
        return;
      }
      SocketAddress from = remote;
      log.warn("transport rejection", "the transport ended a {} call from {} before kvstore could read it: {} {}",
          method, from == null ? "an unknown address" : from, code, status.getDescription());
    }
  }
}
