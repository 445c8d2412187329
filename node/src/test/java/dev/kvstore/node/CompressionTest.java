package dev.kvstore.node;

import static dev.kvstore.node.Requests.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.WireBytes;
import dev.kvstore.client.Compression;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.api.WatchResponse;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC message compression between clients and nodes: a node answers a gzip-compressed request
 * with gzip-compressed responses, and everyone else exactly as before. What travelled is measured
 * on the client side by {@link WireBytes} (a stream tracer): bytes on the wire against bytes of the
 * messages.
 */
class CompressionTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  /** 256 KiB that compress well, as JSON or text values do. */
  private static final ByteString VALUE = ByteString.copyFromUtf8("{\"field\": \"value\"} ".repeat(256 * 1024 / 19));

  private static KvStoreGrpc.KvStoreBlockingStub stub(String node, ClientInterceptor... interceptors) {
    return SHARED.cluster().kv(node).withInterceptors(interceptors);
  }

  @Test
  void aCompressedRequestIsAnsweredCompressed() {
    String node = SHARED.cluster().awaitLeader();
    WireBytes put = new WireBytes();
    WireBytes read = new WireBytes();
    AtomicReference<Metadata> headers = new AtomicReference<>();

    stub(node, put).withCompression("gzip")
        .put(PutRequest.newBuilder().setKey("compression/gzip").setValue(VALUE).build());
    GetResponse got = stub(node, read, MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withCompression("gzip").get(get("compression/gzip"));

    assertThat(got.getValue()).isEqualTo(VALUE);
    assertThat(put.total().sentUncompressed()).isGreaterThan(VALUE.size());
    assertThat(put.total().sent()).as("put on the wire").isLessThan(put.total().sentUncompressed() / 10);
    assertThat(read.total().receivedUncompressed()).isGreaterThan(VALUE.size());
    assertThat(read.total().received()).as("get on the wire").isLessThan(read.total().receivedUncompressed() / 10);
    assertThat(headers.get().get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("gzip");
  }

  @Test
  void aClientThatDoesNotCompressGetsUncompressedAnswers() {
    String node = SHARED.cluster().otherThan(SHARED.cluster().awaitLeader());
    WireBytes read = new WireBytes();
    stub(node).withCompression("gzip")
        .put(PutRequest.newBuilder().setKey("compression/plain").setValue(VALUE).build());

    GetResponse got = stub(node, read).get(get("compression/plain"));

    assertThat(got.getValue()).isEqualTo(VALUE);
    assertThat(read.total().received()).isEqualTo(read.total().receivedUncompressed());
  }

  /** What one put and one linearizable get of {@code value} moved, through a client with {@code compression}. */
  private static WireBytes.Total putAndGet(Compression compression, String key, ByteString value) {
    WireBytes wire = new WireBytes();
    try (KvClient client = KvClient.builder().endpoints(SHARED.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(15)).compression(compression).interceptor(wire).build()) {
      client.put(key, value);
      assertThat(client.get(key).getValue()).isEqualTo(value);
    }
    return wire.total();
  }

  @Test
  void theClientsWireBytesShrinkWithGzipForACompressibleValueAndEqualTheMessagesWithout() {
    // 4 KiB of letters and digits, as kvstore bench --values printable writes: about 6 of 8 bits used.
    ByteString value = ByteString.copyFrom(KeySpace.sampleValue(4096, 10));

    WireBytes.Total gzip = putAndGet(Compression.GZIP, "compression/wire-gzip", value);
    WireBytes.Total plain = putAndGet(Compression.NONE, "compression/wire-plain", value);

    assertThat(gzip.sentUncompressed()).isGreaterThan(4096);
    assertThat(gzip.receivedUncompressed()).isGreaterThan(4096);
    assertThat(gzip.sent()).as("sent " + gzip).isLessThan(gzip.sentUncompressed() * 9 / 10);
    assertThat(gzip.received()).as("received " + gzip).isLessThan(gzip.receivedUncompressed() * 9 / 10);
    assertThat(plain.sent()).as(plain.toString()).isEqualTo(plain.sentUncompressed());
    assertThat(plain.received()).as(plain.toString()).isEqualTo(plain.receivedUncompressed());
    assertThat(plain.sentUncompressed()).isGreaterThan(4096);
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
