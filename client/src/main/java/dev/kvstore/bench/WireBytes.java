package dev.kvstore.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes of the gRPC messages a client sends and receives, per direction, both as they
 * travel (compressed, when the call compresses) and uncompressed: install it with
 * {@link dev.kvstore.client.KvClient.Builder#interceptor}, read it with {@link #total()}.
 * It adds a {@link ClientStreamTracer} to every call, which gRPC tells the size of each message
 * (its {@code outboundWireSize}, {@code outboundUncompressedSize}, {@code inboundWireSize} and
 * {@code inboundUncompressedSize}). These are message payloads: gRPC's 5-byte message prefix,
 * HTTP/2 frames and headers, TLS and TCP come on top. Every attempt counts (retries and hedges
 * too), and so does every call of the client (health checks, member discovery). Thread-safe.
 */
public final class WireBytes implements ClientInterceptor {

  private final LongAdder sent = new LongAdder();
  private final LongAdder sentUncompressed = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder receivedUncompressed = new LongAdder();
  private final ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new Tracer();
    }
  };

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return next.newCall(method, options.withStreamTracerFactory(tracers));
  }

  /** What was counted so far. */
  public Total total() {
    return new Total(sent.sum(), sentUncompressed.sum(), received.sum(), receivedUncompressed.sum());
  }

  /**
   * Message bytes counted, in bytes.
   *
   * @param sent sent to the nodes as they travelled (compressed when the call was)
   * @param sentUncompressed sent to the nodes, before compression
   * @param received received from the nodes as they travelled
   * @param receivedUncompressed received from the nodes, after decompression
   */
  public record Total(long sent, long sentUncompressed, long received, long receivedUncompressed) {

    /** What was counted after {@code earlier}, a total of the same counter taken before this one. */
    public Total minus(Total earlier) {
      return new Total(sent - earlier.sent, sentUncompressed - earlier.sentUncompressed,
          received - earlier.received, receivedUncompressed - earlier.receivedUncompressed);
    }

    /** Both directions as they travelled, in bytes. */
    public long wire() {
      return sent + received;
    }

    /** Both directions uncompressed, in bytes. */
    public long uncompressed() {
      return sentUncompressed + receivedUncompressed;
    }

    /** Wire bytes over uncompressed bytes, both directions (1 without compression; NaN when nothing moved). */
    public double ratio() {
      return ratio(wire(), uncompressed());
    }

    /** Wire bytes over uncompressed bytes sent. */
    public double sentRatio() {
      return ratio(sent, sentUncompressed);
    }

    /** Wire bytes over uncompressed bytes received. */
    public double receivedRatio() {
      return ratio(received, receivedUncompressed);
    }

    private static double ratio(long wire, long uncompressed) {
      return uncompressed == 0 ? Double.NaN : (double) wire / uncompressed;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "sent %d (%d uncompressed), received %d (%d uncompressed)",
          sent, sentUncompressed, received, receivedUncompressed);
    }
  }

  /** One attempt's stream: adds each message's sizes to the counter's. */
  private final class Tracer extends ClientStreamTracer {
    @Override
    public void outboundWireSize(long bytes) {
      sent.add(bytes);
    }

    @Override
    public void outboundUncompressedSize(long bytes) {
      sentUncompressed.add(bytes);
    }

    @Override
    public void inboundWireSize(long bytes) {
      received.add(bytes);
    }

    @Override
    public void inboundUncompressedSize(long bytes) {
      receivedUncompressed.add(bytes);
    }
  }
}
