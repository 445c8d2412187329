package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.PutRequest;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client that has only heard from a follower finds the leader's endpoint and writes there. */
class MemberDiscoveryTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeCluster cluster = new FakeCluster();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private FakeKvServer node(String id, String leader) {
    return cluster.node(id).leader(leader, 3);
  }

  private KvClient client(FakeKvServer... nodes) {
    return cluster.track(KvClient.builder().endpoints(List.of(nodes).stream().map(FakeKvServer::endpoint).toList())
        .build());
  }

  @Test
  void writesMoveToTheLeaderOnceAHealthCheckSaysWhereItAnswers() {
    FakeKvServer n1 = node("n1", "n3");
    FakeKvServer n2 = node("n2", "n3");
    FakeKvServer n3 = node("n3", "n3");
    KvClient client = client(n1, n2, n3);

    client.put("first", "v"); // to the preferred endpoint, a follower that names n3
    await().atMost(WAIT).until(() -> {
      client.put("again", "v");
      return !n3.<PutRequest>requests("Put").isEmpty();
    });
    int throughN1 = n1.<PutRequest>requests("Put").size();
    for (int i = 0; i < 5; i++) {
      client.put("k" + i, "v");
    }

    assertThat(n1.<PutRequest>requests("Put")).hasSize(throughN1);
    assertThat(n2.<PutRequest>requests("Put")).isEmpty();
    // Each endpoint not heard from was asked once; the one that answered the write was not asked.
    assertThat(n1.healthChecks()).isZero();
    assertThat(n2.healthChecks()).isEqualTo(1);
    assertThat(n3.healthChecks()).isEqualTo(1);
  }

  @Test
  void aClientThatKnowsTheLeaderAsksNobody() {
    FakeKvServer n1 = node("n1", "n1");
    FakeKvServer n2 = node("n2", "n1");
    KvClient client = client(n1, n2);

    for (int i = 0; i < 5; i++) {
      client.put("k" + i, "v");
    }

    assertThat(n1.healthChecks() + n2.healthChecks()).isZero();
  }

  @Test
  void anEndpointThatDoesNotAnswerIsNotAskedAgainAtOnce() {
    // The leader n9 is none of the client's endpoints, and n2 never answers.
    FakeKvServer n1 = node("n1", "n9");
    FakeKvServer n2 = node("n2", "n9").hangAll();
    KvClient client = client(n1, n2);

    client.put("first", "v");
    await().atMost(WAIT).until(() -> n2.healthChecks() == 1);
    for (int i = 0; i < 20; i++) {
      client.put("k" + i, "v");
    }

    assertThat(n2.healthChecks()).isEqualTo(1);
    assertThat(n1.<PutRequest>requests("Put")).hasSize(21);

    // Closing the client cancels the check rather than wait for it.
    client.close();
    await().atMost(WAIT).until(() -> n2.cancelledCalls() == 1);
  }
}
