package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A snapshot takes as long as the store needs: one attempt, never cut short by the attempt timeout. */
class SnapshotCallTest {

  private final FakeCluster cluster = new FakeCluster();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  /** Room for twenty attempts of 100 ms within the 2 s request timeout. */
  private KvClient impatientClient(FakeKvServer node) {
    return cluster.track(KvClient.builder()
        .endpoints(node.endpoint())
        .requestTimeout(Duration.ofSeconds(2))
        .attemptTimeout(Duration.ofMillis(100))
        .build());
  }

  @Test
  void aSlowSnapshotIsOneAttemptThatMayTakeTheWholeRequestTimeout() {
    FakeKvServer node = cluster.node("n1").hangAll();
    KvClient client = impatientClient(node);

    catchThrowableOfType(KvClientException.class, () -> client.snapshot(node.endpoint()));

    // With the attempt timeout, twenty attempts would have fitted, each asking for another snapshot.
    assertThat(node.<SnapshotRequest>requests("Snapshot")).hasSize(1);
  }

  @Test
  void statusKeepsTheAttemptTimeout() {
    FakeKvServer node = cluster.node("n1").hangAll();
    KvClient client = impatientClient(node);

    catchThrowableOfType(KvClientException.class, client::status);

    assertThat(node.requests("Status")).hasSizeGreaterThan(1);
  }
}
