package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where reads start ({@link ReadBalancer}): serializable ones spread over the members, linearizable
 * ones on the leader while the client knows it and it is usable; away from a member that failed or
 * lags, and back once a health check finds it serving. The clock that paces health checks is the
 * test's, so "no health check yet" does not depend on how fast the machine is.
 */
class ReadBalancingTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeCluster cluster = new FakeCluster();
  private final AtomicLong clock = new AtomicLong();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient.Builder builder(FakeKvServer... nodes) {
    return KvClient.builder()
        .endpoints(Arrays.stream(nodes).map(FakeKvServer::endpoint).toList())
        // Generous: a timeout on a loaded machine would move a call and blur the counts.
        .requestTimeout(Duration.ofSeconds(15))
        .attemptTimeout(Duration.ofSeconds(5))
        .hedgeReads(false)
        .nanoClock(clock::get);
  }

  private KvClient client(FakeKvServer... nodes) {
    return cluster.track(builder(nodes).build());
  }

  private static int gets(FakeKvServer node) {
    return node.<GetRequest>requests("Get").size();
  }

  private void afterTheProbeInterval() {
    clock.addAndGet(ReadBalancer.PROBE_INTERVAL.toNanos() + 1);
  }

  @Test
  void readsGoRoundRobinOverEveryMemberWithOneCallAtATime() {
    // No leader known: linearizable reads spread like serializable ones.
    FakeKvServer n1 = cluster.node("n1").leader("", 1);
    FakeKvServer n2 = cluster.node("n2").leader("", 1);
    FakeKvServer n3 = cluster.node("n3").leader("", 1);
    KvClient client = client(n1, n2, n3);

    for (int i = 0; i < 9; i++) {
      client.get("k" + i, i % 2 == 0 ? ReadConsistency.LINEARIZABLE : ReadConsistency.SERIALIZABLE);
    }

    assertThat(gets(n1)).isEqualTo(3);
    assertThat(gets(n2)).isEqualTo(3);
    assertThat(gets(n3)).isEqualTo(3);
  }

  @Test
  void writesAndLinearizableReadsGoToTheLeaderWhileSerializableReadsSpread() {
    FakeKvServer n1 = cluster.node("n1").leader("n3", 2);
    FakeKvServer n2 = cluster.node("n2").leader("n3", 2);
    FakeKvServer n3 = cluster.node("n3").leader("n3", 2);
    KvClient client = client(n1, n2, n3);
    client.snapshot(n3.endpoint()); // the client has heard n3 answer: it knows n3's endpoint

    for (int i = 0; i < 6; i++) {
      client.put("k" + i, "v");
      client.get("k" + i, ReadConsistency.LINEARIZABLE);
    }
    assertThat(n3.<PutRequest>requests("Put")).hasSize(6);
    assertThat(n1.<PutRequest>requests("Put")).isEmpty();
    assertThat(n2.<PutRequest>requests("Put")).isEmpty();
    assertThat(gets(n3)).as("linearizable reads on the leader").isEqualTo(6);
    assertThat(gets(n1) + gets(n2)).isZero();

    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.SERIALIZABLE);
    }
    assertThat(gets(n1)).isEqualTo(2);
    assertThat(gets(n2)).isEqualTo(2);
    assertThat(gets(n3)).isEqualTo(6 + 2);
  }

  @Test
  void linearizableReadsSpreadToo_whenAskedTo() {
    FakeKvServer n1 = cluster.node("n1").leader("n3", 2);
    FakeKvServer n2 = cluster.node("n2").leader("n3", 2);
    FakeKvServer n3 = cluster.node("n3").leader("n3", 2);
    KvClient client = cluster.track(builder(n1, n2, n3).spreadLinearizableReads(true).build());
    client.snapshot(n3.endpoint());

    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.LINEARIZABLE);
    }

    assertThat(gets(n1)).isEqualTo(2);
    assertThat(gets(n2)).isEqualTo(2);
    assertThat(gets(n3)).isEqualTo(2);
  }

  @Test
  void linearizableReadsSpreadWhileTheLeaderIsUnusable() {
    FakeKvServer n1 = cluster.node("n1").leader("n3", 2);
    FakeKvServer n2 = cluster.node("n2").leader("n3", 2);
    FakeKvServer n3 = cluster.node("n3").leader("n3", 2)
        .failNext("Get", Status.UNAVAILABLE.withDescription("paused"));
    KvClient client = client(n1, n2, n3);
    client.snapshot(n3.endpoint());

    client.get("first", ReadConsistency.LINEARIZABLE); // starts on n3, which fails it, and moves on
    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.LINEARIZABLE);
    }

    assertThat(gets(n3)).isEqualTo(1);
    assertThat(gets(n1) + gets(n2)).isEqualTo(7);
    assertThat(gets(n1)).isPositive();
    assertThat(gets(n2)).isPositive();
  }

  @Test
  void aReadStartsOnTheMemberWithTheFewestCallsInFlight() {
    FakeKvServer n1 = cluster.node("n1");
    FakeKvServer n2 = cluster.node("n2");
    FakeKvServer n3 = cluster.node("n3");
    // Time enough that the stuck read never times out and moves during the test.
    KvClient client = cluster.track(builder(n1, n2, n3)
        .requestTimeout(Duration.ofSeconds(60)).attemptTimeout(Duration.ofSeconds(60)).build());
    n1.hangAll();
    CompletableFuture<?> stuck = client.async().get("stuck"); // the first read: on n1, which holds it
    await().atMost(WAIT).until(() -> gets(n1) == 1);
    n1.resume();

    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.SERIALIZABLE);
    }

    // n1 still has a call in flight and n2, n3 have none between reads: n1 gets no more.
    assertThat(gets(n1)).isEqualTo(1);
    assertThat(gets(n2) + gets(n3)).isEqualTo(6);
    assertThat(gets(n3)).isPositive();
    assertThat(client.balancer().outstanding(Endpoint.parse(n1.endpoint()))).isEqualTo(1);
    stuck.cancel(true);
    await().atMost(WAIT).until(() -> n1.cancelledCalls() == 1);
    await().atMost(WAIT).until(() -> client.balancer().outstanding(Endpoint.parse(n1.endpoint())) == 0);
  }

  @Test
  void aMemberThatFailedGetsNoReadsUntilAHealthCheckFindsItServing() {
    FakeKvServer n1 = cluster.node("n1").failNext("Get", Status.UNAVAILABLE.withDescription("no leader"));
    FakeKvServer n2 = cluster.node("n2");
    FakeKvServer n3 = cluster.node("n3");
    KvClient client = client(n1, n2, n3);

    client.get("first"); // starts on n1, which fails it, and moves on
    for (int i = 0; i < 6; i++) {
      client.get("k" + i);
    }

    assertThat(gets(n1)).isEqualTo(1);
    assertThat(gets(n2) + gets(n3)).isEqualTo(7);
    assertThat(n1.healthChecks()).isZero(); // not asked again before the probe interval

    afterTheProbeInterval();
    await().atMost(WAIT).until(() -> {
      client.get("again");
      return gets(n1) == 2;
    });
    assertThat(n1.healthChecks()).isEqualTo(1);
  }

  @Test
  void aLaggingMemberGetsNoSerializableReadsButStillLinearizableOnes() {
    FakeKvServer n1 = cluster.node("n1");
    FakeKvServer n2 = cluster.node("n2");
    FakeKvServer n3 = cluster.node("n3").behind(15);
    // Linearizable reads spread too: this is about the lag limit, which only serializable ones heed.
    KvClient client = cluster.track(builder(n1, n2, n3).serializableReadLagLimit(10).spreadLinearizableReads(true)
        .build());
    for (int i = 0; i < 20; i++) {
      client.put("k" + i, "v"); // to n1, the leader: the client has seen revision 20
    }

    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.SERIALIZABLE);
    }
    // Its first answer said revision 5 of 20: no serializable read after it.
    assertThat(gets(n3)).isEqualTo(1);

    for (int i = 0; i < 6; i++) {
      client.get("k" + i, ReadConsistency.LINEARIZABLE);
    }
    assertThat(gets(n3)).isEqualTo(3);

    n3.behind(0);
    afterTheProbeInterval();
    // A health check says revision 20: serializable reads go there again.
    await().atMost(WAIT).until(() -> {
      client.get("again", ReadConsistency.SERIALIZABLE);
      return gets(n3) == 4;
    });
    assertThat(n3.healthChecks()).isPositive();
  }

  @Test
  void aLaggingMemberStillServesSerializableReadsWhenNoOtherIsUsable() {
    FakeKvServer n1 = cluster.node("n1").behind(15);
    FakeKvServer n2 = cluster.node("n2");
    KvClient client = cluster.track(builder(n1, n2).serializableReadLagLimit(10).build());
    for (int i = 0; i < 20; i++) {
      client.put("k" + i, "v");
    }
    client.get("k0", ReadConsistency.SERIALIZABLE); // n1: found lagging
    client.get("k1", ReadConsistency.SERIALIZABLE); // n2
    n2.failNext("Get", Status.UNAVAILABLE);
    client.get("k2", ReadConsistency.SERIALIZABLE); // n2 fails it, then n1 (the only one left)

    int onN1 = gets(n1);
    client.get("k3", ReadConsistency.SERIALIZABLE);

    assertThat(gets(n1)).isEqualTo(onN1 + 1);
  }

  @Test
  void stickyKeepsEveryReadOnTheEndpointThatLastAnswered() {
    FakeKvServer n1 = cluster.node("n1");
    FakeKvServer n2 = cluster.node("n2");
    KvClient client = cluster.track(builder(n1, n2).readBalancing(ReadBalancing.STICKY).build());

    for (int i = 0; i < 5; i++) {
      client.get("k" + i);
    }

    assertThat(gets(n1)).isEqualTo(5);
    assertThat(gets(n2)).isZero();
  }

  @Test
  void attemptsInFlightAreCountedOnceAndReleasedWhateverTheirEnd() {
    FakeKvServer n1 = cluster.node("n1").failNext("Get", Status.UNAVAILABLE);
    FakeKvServer n2 = cluster.node("n2").failNext("Put", Status.INVALID_ARGUMENT.withDescription("no"));
    KvClient client = client(n1, n2);
    ReadBalancer balancer = client.balancer();

    client.get("a");
    client.get("b");
    try {
      client.put("c", "v");
    } catch (KvClientException refused) {
      // The server's word, as intended.
    }

    assertThat(balancer.outstanding(Endpoint.parse(n1.endpoint()))).isZero();
    assertThat(balancer.outstanding(Endpoint.parse(n2.endpoint()))).isZero();
  }
}
