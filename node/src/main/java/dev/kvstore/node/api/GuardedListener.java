package dev.kvstore.node.api;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.api.RequestLimits;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Receives a guarded call's raw request messages (see {@link ServiceGuard}), parses each with the
 * method's own marshaller and passes it on to the service's listener; refuses what no service
 * should see, and contains what the service throws.
 *
 * <p>gRPC calls a listener's methods one at a time, so its state needs no locking.
 */
final class GuardedListener<ReqT> extends ServerCall.Listener<InputStream> {

  private final GuardedCall<ReqT, ?> call;
  private final ServerCall.Listener<ReqT> target;
  private final String requestType;
  private final ServiceGuard guard;
  private final boolean exactlyOneRequest;
  private int messages;

  GuardedListener(GuardedCall<ReqT, ?> call, ServerCall.Listener<ReqT> target, String requestType, ServiceGuard guard) {
    this.call = call;
    this.target = target;
    this.requestType = requestType;
    this.guard = guard;
    this.exactlyOneRequest = call.getMethodDescriptor().getType().clientSendsOneMessage();
  }

  @Override
  public void onMessage(InputStream raw) {
    // Once closed, by the guard or the service, nothing more goes in: the service would answer a
    // call that is already answered.
    if (call.isClosed()) {
      return;
    }
    messages++;
    if (exactlyOneRequest && messages > 1) {
      refuseMalformed(name() + " takes exactly one request message; the client sent more than one");
      return;
    }
    ReqT request;
    try {
      request = parse(raw);
    } catch (RefusedRequest e) {
      if (e.malformed) {
        refuseMalformed(e.getMessage());
      } else {
        call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
      }
      return;
    }
    deliver(() -> target.onMessage(request));
  }

  @Override
  public void onHalfClose() {
    if (call.isClosed()) {
      return;
    }
    if (exactlyOneRequest && messages == 0) {
      refuseMalformed(name() + " takes exactly one request message; the client sent none");
      return;
    }
    deliver(target::onHalfClose);
  }

  @Override
  public void onReady() {
    deliver(target::onReady);
  }

  // The call is over for these two: they go on so that the service can release what it holds.

  @Override
  public void onCancel() {
    afterClose(target::onCancel);
  }

  @Override
  public void onComplete() {
    afterClose(target::onComplete);
  }

  /**
   * Parses one request message, reading it once. An uncompressed message's size is known before
   * reading: one larger than any valid request is refused unread. A compressed one is read through
   * a counter that stops at the same size, so no request costs more than that in parsed memory.
   */
  private ReqT parse(InputStream raw) throws RefusedRequest {
    InputStream in = raw;
    try {
      if (raw instanceof KnownLength) {
        int size = raw.available();
        if (size > RequestLimits.MAX_REQUEST_BYTES) {
          throw new RefusedRequest(RequestLimits.oversizeRequest(requestType, size), false);
        }
      } else {
        in = new BoundedStream(raw, RequestLimits.MAX_REQUEST_BYTES);
      }
    } catch (IOException e) {
      throw new RefusedRequest("could not read the " + requestType + ": " + e.getMessage(), true);
    }
    try {
      return call.getMethodDescriptor().parseRequest(in);
    } catch (RuntimeException e) {
      throw refusal(e);
    }
  }

  /** Why a message could not be parsed, from what the marshaller threw. */
  private RefusedRequest refusal(RuntimeException thrown) {
    InvalidProtocolBufferException invalid = null;
    for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BoundedStream.LimitReached) {
        return new RefusedRequest(RequestLimits.oversizeRequest(requestType, -1), false);
      }
      if (t instanceof InvalidProtocolBufferException ipbe && invalid == null) {
        invalid = ipbe;
      }
    }
    if (invalid == null && thrown instanceof StatusRuntimeException sre
        && sre.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
      // grpc-java's own bound on a decompressed message, should ours ever be the larger one
      return new RefusedRequest(RequestLimits.oversizeRequest(requestType, -1), false);
    }
    String reason = invalid != null ? invalid.getMessage() : thrown.toString();
    if (reason != null && reason.contains("UTF-8")) {
      reason = "a string field is not valid UTF-8 (string fields, such as keys, must be valid UTF-8)";
    }
    return new RefusedRequest("could not parse the " + requestType + " of " + name() + ": " + reason, true);
  }

  private void refuseMalformed(String why) {
    guard.logMalformed(call, why);
    call.close(Status.INVALID_ARGUMENT.withDescription(why), new Metadata());
  }

  /**
   * Runs one event of the service's listener. A status the service throws is its answer; any other
   * exception is a bug, answered INTERNAL (once: a closed call drops what follows).
   */
  private void deliver(Runnable event) {
    try {
      event.run();
    } catch (StatusRuntimeException e) {
      call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
    } catch (RuntimeException e) {
      call.close(guard.internalError(call.getMethodDescriptor(), e), new Metadata());
    }
  }

  /** Runs an event that comes after the call ended: a bug there is logged, there is no one to answer. */
  private void afterClose(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      guard.internalError(call.getMethodDescriptor(), e);
    }
  }

  private String name() {
    return call.getMethodDescriptor().getFullMethodName();
  }

  /** A request refused before it reached the service; {@code malformed} ones are logged. */
  private static final class RefusedRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean malformed;

    RefusedRequest(String message, boolean malformed) {
      super(message, null, false, false);
      this.malformed = malformed;
    }
  }

  /** Reads at most {@code limit} bytes of a message whose size is not known in advance. */
  private static final class BoundedStream extends FilterInputStream {
    private long left;

    BoundedStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        consumed(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, (int) Math.min(length, left + 1));
      if (n > 0) {
        consumed(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(Math.min(n, left + 1));
      consumed(skipped);
      return skipped;
    }

    private void consumed(long n) throws LimitReached {
      left -= n;
      if (left < 0) {
        throw new LimitReached();
      }
    }

    /** Thrown through the parser, which wraps it, to say the message is too large. */
    static final class LimitReached extends IOException {
      private static final long serialVersionUID = 1L;
    }
  }
}
