package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.PutRequest;
import dev.kvstore.client.Compression;
import dev.kvstore.client.KvClient;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WireBytes} on a client talking to a fake node over loopback. The fake node answers
 * uncompressed whatever it is asked; compressed answers are counted against real nodes in the node
 * module's CompressionTest.
 */
class WireBytesTest {

  /** 4 KiB of JSON-like text: compresses well. */
  private static final ByteString COMPRESSIBLE = ByteString.copyFromUtf8("{\"id\": 12, \"name\": \"kvstore\"} ".repeat(140))
      .substring(0, 4096);

  private final FakeCluster cluster = new FakeCluster();
  private final FakeKvServer node = cluster.node("n1");

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient client(WireBytes wire, Compression compression) {
    return cluster.track(KvClient.builder().endpoints(node.endpoint()).compression(compression).interceptor(wire).build());
  }

  private long putBytes() {
    List<PutRequest> puts = node.requests("Put");
    return puts.stream().mapToLong(PutRequest::getSerializedSize).sum();
  }

  @Test
  void withoutCompressionWireBytesAreTheMessagesBytes() {
    WireBytes wire = new WireBytes();
    KvClient client = client(wire, Compression.NONE);

    client.put("k", COMPRESSIBLE);
    WireBytes.Total afterPut = wire.total();
    client.get("k");
    WireBytes.Total get = wire.total().minus(afterPut);

    assertThat(afterPut.sentUncompressed()).as("the put request's serialized size").isEqualTo(putBytes());
    assertThat(afterPut.sent()).isEqualTo(afterPut.sentUncompressed());
    assertThat(afterPut.received()).isEqualTo(afterPut.receivedUncompressed()).isPositive();
    assertThat(get.received()).isEqualTo(get.receivedUncompressed()).isGreaterThan(4096);
    assertThat(wire.total().ratio()).isEqualTo(1.0);
  }

  @Test
  void gzipSendsACompressibleValueInFewerBytesThanItsMessage() {
    WireBytes wire = new WireBytes();
    KvClient client = client(wire, Compression.GZIP);

    client.put("k", COMPRESSIBLE);
    WireBytes.Total put = wire.total();

    assertThat(put.sentUncompressed()).isEqualTo(putBytes()).isGreaterThan(4096);
    assertThat(put.sent()).as(put.toString()).isLessThan(put.sentUncompressed() / 4);
    assertThat(put.sentRatio()).isLessThan(0.25);
  }

  @Test
  void twoClientsCountedByOneCounterAddUp() {
    WireBytes wire = new WireBytes();
    client(wire, Compression.NONE).put("a", COMPRESSIBLE);
    WireBytes.Total first = wire.total();
    client(wire, Compression.NONE).put("b", COMPRESSIBLE);

    assertThat(wire.total().minus(first).sentUncompressed()).isEqualTo(first.sentUncompressed());
  }
}
