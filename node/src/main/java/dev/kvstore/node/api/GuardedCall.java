package dev.kvstore.node.api;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import java.net.SocketAddress;

/**
 * The call as a service sees it, under {@link ServiceGuard}: it has the service's own method
 * descriptor and request type, and it is closed at most once. When the guard has closed it (a
 * malformed request, an unexpected exception), whatever the service still sends or closes is
 * dropped instead of failing with "call already closed". Closing also marks the call as answered
 * by kvstore for {@link TransportRejections}.
 *
 * <p>Sending and closing are serialised here because the guard may close from the call's executor
 * while the service answers from another thread.
 */
final class GuardedCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {

  private final ServerCall<InputStream, RespT> delegate;
  private final MethodDescriptor<ReqT, RespT> method;
  private final Runnable markAnswered;
  private boolean closed;

  GuardedCall(ServerCall<InputStream, RespT> delegate, MethodDescriptor<ReqT, RespT> method, Runnable markAnswered) {
    this.delegate = delegate;
    this.method = method;
    this.markAnswered = markAnswered;
  }

  /** The peer's address for log lines, or "an unknown address". */
  static Object remoteAddress(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes() == null ? null : call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return address == null ? "an unknown address" : address;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public void request(int numMessages) {
    delegate.request(numMessages);
  }

  @Override
  public synchronized void sendHeaders(Metadata headers) {
    if (!closed) {
      delegate.sendHeaders(headers);
    }
  }

  @Override
  public synchronized void sendMessage(RespT message) {
    if (!closed) {
      delegate.sendMessage(message);
    }
  }

  @Override
  public synchronized void close(Status status, Metadata trailers) {
    if (closed) {
      return;
    }
    closed = true;
    markAnswered.run();
    delegate.close(status, trailers);
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public boolean isCancelled() {
    return delegate.isCancelled();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    delegate.setMessageCompression(enabled);
  }

  @Override
  public void setCompression(String compressor) {
    delegate.setCompression(compressor);
  }

  @Override
  public void setOnReadyThreshold(int numBytes) {
    delegate.setOnReadyThreshold(numBytes);
  }

  @Override
  public SecurityLevel getSecurityLevel() {
    return delegate.getSecurityLevel();
  }

  @Override
  public Attributes getAttributes() {
    return delegate.getAttributes();
  }

  @Override
  public String getAuthority() {
    return delegate.getAuthority();
  }

  @Override
  public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
    return method;
  }
}
