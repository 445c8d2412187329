package dev.kvstore.node.api;

import com.google.protobuf.Message;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.ops.RateLimitedLog;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts kvstore's own handling between the transport and every service a node serves, so that a
 * request that is malformed at the protocol level gets {@code INVALID_ARGUMENT} and at most one
 * short log line, instead of grpc-java's {@code UNKNOWN} or {@code INTERNAL} with a stack trace
 * per request:
 *
 * <ul>
 *   <li>the transport hands each request message over unparsed, and {@link GuardedListener} parses
 *       it with the method's own marshaller, once; a message that does not parse (invalid UTF-8
 *       in a string field, a truncated field) or is larger than any valid request never reaches
 *       the service;
 *   <li>a unary or server-streaming call with no request message or more than one is refused;
 *   <li>a call whose metadata is larger than {@link RequestLimits#MAX_METADATA_BYTES} is refused;
 *   <li>an unexpected exception escaping the service becomes {@code INTERNAL} with a short
 *       description, and its stack trace is logged rate-limited.
 * </ul>
 *
 * Only public gRPC API is used: {@link MethodDescriptor#toBuilder(MethodDescriptor.Marshaller,
 * MethodDescriptor.Marshaller)} swaps the request marshaller, as
 * {@code ServerInterceptors.useInputStreamMessages} does, and the wrapped handler parses.
 */
public final class ServiceGuard {

  /** Hands the transport's message stream over as is; {@link GuardedListener} parses it. */
  private static final MethodDescriptor.Marshaller<InputStream> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  };

  private final RateLimitedLog log;

  /** Logs malformed requests and unexpected exceptions through {@code log}, rate-limited. */
  public ServiceGuard(RateLimitedLog log) {
    this.log = log;
  }

  /** {@code service}, with every method guarded (see {@link #wrap(ServerServiceDefinition)}). */
  public ServerServiceDefinition wrap(BindableService service) {
    return wrap(service.bindService());
  }

  /** The same service (name, methods, schema for reflection), with every method guarded. */
  public ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(method);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder wrapped = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(wrapped::addMethod);
    return wrapped.build();
  }

  private <ReqT, RespT> ServerMethodDefinition<InputStream, RespT> guard(ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    MethodDescriptor<InputStream, RespT> raw = method.toBuilder(RAW, method.getResponseMarshaller())
        .setType(asTransportSeesIt(method.getType()))
        .build();
    ServerCallHandler<ReqT, RespT> handler = definition.getServerCallHandler();
    String requestType = requestType(method);
    return ServerMethodDefinition.create(raw, (call, headers) -> start(call, headers, method, handler, requestType));
  }

  private <ReqT, RespT> ServerCall.Listener<InputStream> start(ServerCall<InputStream, RespT> rawCall, Metadata headers,
      MethodDescriptor<ReqT, RespT> method, ServerCallHandler<ReqT, RespT> handler, String requestType) {
    GuardedCall<ReqT, RespT> call = new GuardedCall<>(rawCall, method, TransportRejections.answerMarkOfCurrentCall());
    try {
      // The transport admits up to KvNode.MAX_INBOUND_METADATA_BYTES so that this, not its own
      // HTTP 431, answers a request with headers beyond the documented limit.
      RequestLimits.checkMetadataSize(MetadataSize.of(headers));
    } catch (StatusRuntimeException e) {
      logMalformed(rawCall, e.getStatus().getDescription());
      call.close(e.getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<ReqT> target;
    try {
      target = handler.startCall(call, headers);
    } catch (StatusRuntimeException e) {
      call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
      return new ServerCall.Listener<>() {};
    } catch (RuntimeException e) {
      call.close(internalError(method, e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return new GuardedListener<>(call, target, requestType, this);
  }

  /** The status for an exception a service did not expect; its stack trace is logged, rate-limited. */
  Status internalError(MethodDescriptor<?, ?> method, RuntimeException e) {
    log.error("internal error", e, "{} failed with an unexpected exception: {}", method.getFullMethodName(), e.toString());
    String detail = e.getMessage() == null ? "" : ": " + e.getMessage();
    if (detail.length() > 200) {
      detail = detail.substring(0, 197) + "...";
    }
    return Status.INTERNAL.withDescription(method.getFullMethodName() + " failed inside the node ("
        + e.getClass().getSimpleName() + detail + "); the node's log has the details");
  }

  /** Notes a request refused as malformed at the protocol level: one short line, rate-limited. */
  void logMalformed(ServerCall<?, ?> call, String why) {
    log.warn("malformed request", "refused a malformed {} request from {}: {}",
        call.getMethodDescriptor().getFullMethodName(), GuardedCall.remoteAddress(call), why);
  }

  /**
   * The type the transport is told: one that lets the client send any number of messages, so that
   * {@link GuardedListener} sees a second request message and answers it. grpc-java (1.85) itself
   * resets a unary call's stream on a second message, which a client sees as a bare CANCELLED.
   * Whether the server sends one message is kept, so unary responses are still written and
   * flushed as one. Services still see their own type (through {@link GuardedCall}).
   */
  private static MethodDescriptor.MethodType asTransportSeesIt(MethodDescriptor.MethodType type) {
    if (!type.clientSendsOneMessage()) {
      return type;
    }
    return type.serverSendsOneMessage() ? MethodDescriptor.MethodType.CLIENT_STREAMING
        : MethodDescriptor.MethodType.BIDI_STREAMING;
  }

  /** The protobuf name of the method's request type (e.g. {@code kvstore.PutRequest}), for messages. */
  private static String requestType(MethodDescriptor<?, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> prototype
        && prototype.getMessagePrototype() instanceof Message message) {
      return message.getDescriptorForType().getFullName();
    }
    return "request message of " + method.getFullMethodName();
  }
}
