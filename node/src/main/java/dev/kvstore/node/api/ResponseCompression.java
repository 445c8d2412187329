package dev.kvstore.node.api;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Answers a call compressed when the client compressed its request: a request sent with
 * {@code grpc-encoding: gzip} gets its responses gzip-compressed too, as grpc-go's servers do by
 * default (grpc-java's answer uncompressed unless told). A client that sends uncompressed requests
 * gets uncompressed responses, so nobody pays for compression without asking for it. gRPC itself
 * still checks that the client accepts the encoding ({@code grpc-accept-encoding}) before using it,
 * and decompresses requests on its own; gzip is built into grpc-java, so it is the encoding a client
 * can ask for (an unknown one is refused by the transport with {@code UNIMPLEMENTED}).
 */
public final class ResponseCompression implements ServerInterceptor {

  /** The request header naming the encoding of the client's messages (gRPC's {@code grpc-encoding}). */
  static final Metadata.Key<String> MESSAGE_ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private final CompressorRegistry compressors;

  /** Answers with the compressors grpc-java has built in (gzip). */
  public ResponseCompression() {
    this(CompressorRegistry.getDefaultInstance());
  }

  ResponseCompression(CompressorRegistry compressors) {
    this.compressors = compressors;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    String encoding = headers.get(MESSAGE_ENCODING);
    if (encoding != null && !encoding.equals(Codec.Identity.NONE.getMessageEncoding())
        && compressors.lookupCompressor(encoding) != null) {
      // Before any header is sent: the response headers name the encoding.
      call.setCompression(encoding);
    }
    return next.startCall(call, headers);
  }
}
