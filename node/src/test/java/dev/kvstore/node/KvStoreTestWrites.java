package dev.kvstore.node;

import dev.kvstore.api.KvStoreGrpc;
import java.util.concurrent.TimeUnit;

/** One-line writes for tests that are about something else. */
final class KvStoreTestWrites {

  private KvStoreTestWrites() {}

  static long put(TestCluster cluster, String node, String key, String value) {
    return KvStoreGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .put(Requests.put(key, value)).getHeader().getRevision();
  }
}
