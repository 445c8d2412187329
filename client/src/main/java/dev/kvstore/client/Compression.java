package dev.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.Optional;

/**
 * Whether the client compresses the messages of its calls (see {@link KvClient.Builder#compression}).
 * A node answers a compressed request with compressed responses, so the choice covers both
 * directions; gzip is built into grpc-java on both sides.
 */
public enum Compression {
  /** Messages travel as they are (the default): no CPU spent on compression. */
  NONE,
  /**
   * gzip (gRPC's {@code grpc-encoding: gzip}): requests are compressed, and nodes compress their
   * responses to them. Worth it for large, compressible values on a slow or metered network; it
   * costs CPU on both sides for every message, so on a fast local network it mostly adds latency.
   * Nodes of a version without response compression still decompress the requests and answer
   * uncompressed.
   */
  GZIP;

  /** The interceptor that asks for this compression on every call, or empty for {@link #NONE}. */
  Optional<ClientInterceptor> interceptor() {
    if (this == NONE) {
      return Optional.empty();
    }
    String encoding = name().toLowerCase(java.util.Locale.ROOT);
    return Optional.of(new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
          CallOptions options, Channel next) {
        return next.newCall(method, options.withCompression(encoding));
      }
    });
  }
}
