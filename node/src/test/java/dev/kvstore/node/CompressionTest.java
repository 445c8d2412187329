package dev.kvstore.node;

import static dev.kvstore.node.Requests.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.client.Compression;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.api.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC message compression between clients and nodes: a node answers a gzip-compressed request
 * with gzip-compressed responses, and everyone else exactly as before. What travelled is measured
 * on the client side by a stream tracer: bytes on the wire against bytes of the messages.
 */
class CompressionTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  /** 256 KiB that compress well, as JSON or text values do. */
  private static final ByteString VALUE = ByteString.copyFromUtf8("{\"field\": \"value\"} ".repeat(256 * 1024 / 19));

  /** Bytes one call moved, on the wire and as messages, each way. */
  private static final class Sizes implements ClientInterceptor {
    final AtomicLong sentWire = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong receivedWire = new AtomicLong();
    final AtomicLong received = new AtomicLong();

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
        CallOptions options, Channel next) {
      ClientStreamTracer.Factory factory = new ClientStreamTracer.Factory() {
        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
          return new ClientStreamTracer() {
            @Override
            public void outboundWireSize(long bytes) {
              sentWire.addAndGet(bytes);
            }

            @Override
            public void outboundUncompressedSize(long bytes) {
              sent.addAndGet(bytes);
            }

            @Override
            public void inboundWireSize(long bytes) {
              receivedWire.addAndGet(bytes);
            }

            @Override
            public void inboundUncompressedSize(long bytes) {
              received.addAndGet(bytes);
            }
          };
        }
      };
      return next.newCall(method, options.withStreamTracerFactory(factory));
    }
  }

  private static KvStoreGrpc.KvStoreBlockingStub stub(String node, ClientInterceptor... interceptors) {
    return SHARED.cluster().kv(node).withInterceptors(interceptors);
  }

  @Test
  void aCompressedRequestIsAnsweredCompressed() {
    String node = SHARED.cluster().awaitLeader();
    Sizes put = new Sizes();
    Sizes read = new Sizes();
    AtomicReference<Metadata> headers = new AtomicReference<>();

    stub(node, put).withCompression("gzip")
        .put(PutRequest.newBuilder().setKey("compression/gzip").setValue(VALUE).build());
    GetResponse got = stub(node, read, MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withCompression("gzip").get(get("compression/gzip"));

    assertThat(got.getValue()).isEqualTo(VALUE);
    assertThat(put.sent.get()).isGreaterThan(VALUE.size());
    assertThat(put.sentWire.get()).as("put on the wire").isLessThan(put.sent.get() / 10);
    assertThat(read.received.get()).isGreaterThan(VALUE.size());
    assertThat(read.receivedWire.get()).as("get on the wire").isLessThan(read.received.get() / 10);
    assertThat(headers.get().get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("gzip");
  }

  @Test
  void aClientThatDoesNotCompressGetsUncompressedAnswers() {
    String node = SHARED.cluster().otherThan(SHARED.cluster().awaitLeader());
    Sizes read = new Sizes();
    stub(node).withCompression("gzip")
        .put(PutRequest.newBuilder().setKey("compression/plain").setValue(VALUE).build());

    GetResponse got = stub(node, read).get(get("compression/plain"));

    assertThat(got.getValue()).isEqualTo(VALUE);
    // Only the gRPC frame header (5 bytes per message) besides the message itself.
    assertThat(read.receivedWire.get()).isGreaterThanOrEqualTo(read.received.get());
  }

  @Test
  void theJavaClientWorksWithAndWithoutCompressionOnTheSameCluster() throws Exception {
    BlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
    try (KvClient gzip = KvClient.builder().endpoints(SHARED.cluster().endpoints())
            .requestTimeout(Duration.ofSeconds(15)).compression(Compression.GZIP).build();
        KvClient plain = KvClient.builder().endpoints(SHARED.cluster().endpoints())
            .requestTimeout(Duration.ofSeconds(15)).build()) {
      long written = plain.put("compression/client", VALUE).getHeader().getRevision();
      // Replayed from the first write, so nothing depends on when the stream is set up.
      try (WatchSubscription watch = gzip.watch(WatchOptions.forKey("compression/client").fromRevision(written),
          WatchListener.of(events::add, error -> { }))) {
        gzip.put("compression/client", "small");

        assertThat(gzip.get("compression/client").getValue().toStringUtf8()).isEqualTo("small");
        assertThat(plain.get("compression/client", ReadConsistency.SERIALIZABLE).getKv().getModRevision())
            .isGreaterThanOrEqualTo(written);
        WatchResponse first = events.poll(15, TimeUnit.SECONDS);
        WatchResponse second = events.poll(15, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.getValue()).isEqualTo(VALUE);
        assertThat(second).isNotNull();
        assertThat(second.getValue().toStringUtf8()).isEqualTo("small");
      }
    }
  }
}
