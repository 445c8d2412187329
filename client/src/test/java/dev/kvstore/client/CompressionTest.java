package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link KvClient.Builder#compression}: what the node receives (its end is tested in node/). */
class CompressionTest {

  private final FakeCluster cluster = new FakeCluster();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  @Test
  void aGzipClientCompressesEveryCallItMakes() throws Exception {
    FakeKvServer node = cluster.node("n1");
    KvClient client = cluster.track(KvClient.builder().endpoints(node.endpoint()).compression(Compression.GZIP).build());

    client.put("k", "v".repeat(1000));
    assertThat(client.get("k").getValue().size()).isEqualTo(1000);
    CompletableFuture<?> async = client.async().delete("k");
    async.get(10, TimeUnit.SECONDS);

    assertThat(node.requestEncodings("Put")).containsExactly("gzip");
    assertThat(node.requestEncodings("Get")).containsExactly("gzip");
    assertThat(node.requestEncodings("Delete")).containsExactly("gzip");
  }

  @Test
  void aClientSendsUncompressedByDefault() {
    FakeKvServer node = cluster.node("n1");
    KvClient client = cluster.track(KvClient.builder().endpoints(node.endpoint()).build());

    client.put("k", "v");
    client.get("k");

    assertThat(node.requestEncodings("Put")).containsExactly("identity");
    assertThat(node.requestEncodings("Get")).containsExactly("identity");
  }
}
