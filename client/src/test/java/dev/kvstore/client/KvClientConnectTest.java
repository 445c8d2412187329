package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.SilentEndpoint;
import dev.kvstore.testing.SlowConnectProxy;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection set-up never eats a call's time unfairly: the first channel is built up front, attempts connect first. */
class KvClientConnectTest {

  private final FakeCluster cluster = new FakeCluster();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  /**
   * Loads and compiles the transport in this JVM first, so that what a test times is the behaviour
   * under test, not the first connection this JVM ever made.
   */
  private void warmTransport() {
    try (FakeKvServer server = FakeKvServer.start("warm-up", cluster.store());
        KvClient warm = KvClient.builder().endpoints(server.endpoint()).build()) {
      warm.get("warm-up");
    }
  }

  private KvClient track(KvClient client) {
    return cluster.track(client);
  }

  /** A client with one second for a whole call, whose channels are built by {@code factory}. */
  private KvClient oneSecondClient(String endpoint, ChannelFactory factory) {
    return track(KvClient.builder()
        .endpoints(endpoint)
        .requestTimeout(Duration.ofSeconds(1))
        .attemptTimeout(Duration.ofSeconds(1))
        .channelFactory(factory)
        .build());
  }

  @Test
  void channelsAreBuiltWithTheClientSoASlowBuildCostsCallsNothing() {
    FakeKvServer server = cluster.node("n1");
    warmTransport();
    // Building a channel slower than the whole request timeout: it must not be part of any call.
    RecordingChannelFactory slow = new RecordingChannelFactory(Duration.ofMillis(1500));

    KvClient client = oneSecondClient(server.endpoint(), slow);

    assertThat(slow.channelsBuilt()).isEqualTo(1);
    assertThat(client.put("k", "v").getSuccess()).isTrue();
    assertThat(client.get("k").getValue().toStringUtf8()).isEqualTo("v");
    assertThat(slow.channelsBuilt()).isEqualTo(1);
  }

  @Test
  void aChannelForAnEndpointNamedByOneCallIsBuiltBeforeThatCallsClockStarts() {
    FakeKvServer first = cluster.node("n1");
    FakeKvServer other = cluster.node("n2");
    warmTransport();
    RecordingChannelFactory slow = new RecordingChannelFactory(Duration.ofMillis(1500));
    KvClient client = oneSecondClient(first.endpoint(), slow);

    assertThat(client.snapshot(other.endpoint()).getHeader().getMemberId()).isEqualTo("n2");
    assertThat(slow.channelsBuilt()).isEqualTo(2);
  }

  @Test
  void connectingDoesNotCountAgainstTheAttemptTimeout() throws Exception {
    FakeKvServer slowToReach = cluster.node("n1");
    FakeKvServer other = cluster.node("n2");
    warmTransport();
    // The connection needs 1.2 s, more than an attempt's 0.8 s: armed before connecting (as it
    // was), the attempt would run out while connecting and the call would move to n2.
    SlowConnectProxy proxy = cluster.track(new SlowConnectProxy(slowToReach.endpoint(), Duration.ofMillis(1200)));
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(proxy.endpoint(), other.endpoint()))
        .requestTimeout(Duration.ofSeconds(10))
        .attemptTimeout(Duration.ofMillis(800))
        .connectTimeout(Duration.ofSeconds(8))
        .build());

    client.get("k");

    assertThat(slowToReach.<GetRequest>requests("Get")).hasSize(1);
    assertThat(other.<GetRequest>requests("Get")).isEmpty();
  }

  @Test
  void anEndpointThatNeverFinishesItsHandshakeCostsOnlyTheConnectTimeout() throws Exception {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    FakeKvServer live = cluster.node("n2");
    warmTransport();
    Duration attemptTimeout = Duration.ofSeconds(5);
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(paused.endpoint(), live.endpoint()))
        .requestTimeout(Duration.ofSeconds(10))
        .attemptTimeout(attemptTimeout)
        .connectTimeout(Duration.ofMillis(300))
        .build());

    long start = System.nanoTime();
    client.put("k", "v");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    // The paused node got no RPC at all, so no attempt timeout ran on it.
    assertThat(elapsed).isLessThan(attemptTimeout);
    assertThat(paused.connections()).isPositive();
    assertThat(live.<PutRequest>requests("Put")).hasSize(1);
  }

  @Test
  void anEndpointThatCannotConnectIsReportedAsSuchAndNothingWasApplied() throws Exception {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    KvClient client = track(KvClient.builder()
        .endpoints(paused.endpoint())
        .requestTimeout(Duration.ofMillis(1500))
        .connectTimeout(Duration.ofMillis(200))
        .build());

    KvClientException e = catchThrowableOfType(KvClientException.class, () -> client.put("k", "v"));

    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains(paused.endpoint() + " UNAVAILABLE (could not connect within 200ms)");
    assertThat(e.outcomeUnknown()).isFalse();
  }

  @Test
  void attemptsThatGaveUpOnAHandshakeThatNeverCompletesLeaveNothingBehind() throws Exception {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    Endpoint endpoint = Endpoint.parse(paused.endpoint());
    EndpointChannels channels = cluster.track(new EndpointChannels(List.of(endpoint), new NettyChannelFactory(1)));
    List<CompletableFuture<?>> waits = new ArrayList<>();

    for (int i = 0; i < 20; i++) {
      waits.add(channels.connected(endpoint, Duration.ofMillis(50 + 10 * i)));
    }

    assertThat(channels.waiting(endpoint)).isPositive();
    for (CompletableFuture<?> wait : waits) {
      assertThat(wait).failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(TimeoutException.class);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> channels.waiting(endpoint) == 0);
  }

  @Test
  void connectMovesCallsToAnEndpointThatIsUpWhenThePreferredOneIsDown() {
    FakeKvServer live = cluster.node("n2");
    RecordingChannelFactory channels = new RecordingChannelFactory();
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(FakeKvServer.deadEndpoint(), live.endpoint()))
        .channelFactory(channels)
        .build());

    assertThat(client.connect(Duration.ofSeconds(10))).isTrue();
    client.get("k");

    assertThat(channels.calls("Get")).extracting(RecordingChannelFactory.RecordedCall::endpointText)
        .containsExactly(live.endpoint());
  }

  @Test
  void connectOpensOnlyThePreferredEndpointWhenItIsUp() {
    FakeKvServer first = cluster.node("n1");
    RecordingChannelFactory channels = new RecordingChannelFactory();
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(first.endpoint(), cluster.node("n2").endpoint(), cluster.node("n3").endpoint()))
        .channelFactory(channels)
        .build());

    assertThat(client.connect(Duration.ofSeconds(10))).isTrue();
    client.get("k");

    assertThat(channels.channelsBuilt()).isEqualTo(1);
    assertThat(channels.calls("Get")).extracting(RecordingChannelFactory.RecordedCall::endpointText)
        .containsExactly(first.endpoint());
  }

  @Test
  void connectAsksTheNextEndpointWhenThePreferredOneStaysSilentLongerThanTheStagger() {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    FakeKvServer live = cluster.node("n2");
    RecordingChannelFactory channels = new RecordingChannelFactory();
    Duration timeout = Duration.ofSeconds(20);
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(paused.endpoint(), live.endpoint()))
        .channelFactory(channels)
        .build());

    long start = System.nanoTime();
    assertThat(client.connect(timeout)).isTrue();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    client.get("k");

    // Waiting for the silent node to fail would take the whole timeout; the stagger delay (250 ms)
    // asked the next endpoint long before.
    assertThat(elapsed).isLessThan(timeout.dividedBy(2));
    assertThat(paused.connections()).isPositive();
    assertThat(channels.calls("Get")).extracting(RecordingChannelFactory.RecordedCall::endpointText)
        .containsExactly(live.endpoint());
  }

  @Test
  void closeStopsTheClientsIoThreadsSoAJvmCanExitAtOnce() {
    FakeKvServer server = cluster.node("n1");
    Set<Thread> before = ioThreads();
    KvClient client = KvClient.builder().endpoints(server.endpoint()).build();
    client.get("k");
    Set<Thread> own = ioThreads();
    own.removeAll(before);
    assertThat(own).isNotEmpty();

    client.close();

    // Threads of gRPC's shared event loop outlived their channels by a second, and a JVM exiting
    // meanwhile waited 300 ms for them.
    assertThat(own).noneMatch(Thread::isAlive);
  }

  private static Set<Thread> ioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith("kvstore-client-io"))
        .collect(Collectors.toCollection(HashSet::new));
  }

  @Test
  void connectSaysSoWhenNoEndpointConnects() throws Exception {
    SilentEndpoint paused = cluster.track(new SilentEndpoint());
    KvClient client = track(KvClient.builder()
        .endpoints(List.of(paused.endpoint(), FakeKvServer.deadEndpoint()))
        .build());

    assertThat(client.connect(Duration.ofMillis(300))).isFalse();
  }

  @Test
  void aHostNameEndpointIsResolvedByName() {
    FakeKvServer server = cluster.node("n1");
    String port = server.endpoint().substring(server.endpoint().lastIndexOf(':') + 1);
    KvClient client = track(KvClient.builder().endpoints("localhost:" + port).build());

    assertThat(client.put("k", "v").getHeader().getMemberId()).isEqualTo("n1");
  }

  @Test
  void onlyIpLiteralsSkipNameResolution() {
    assertThat(NettyChannelFactory.ipLiteral("127.0.0.1")).isNotNull();
    assertThat(NettyChannelFactory.ipLiteral("::1")).isNotNull();
    assertThat(NettyChannelFactory.ipLiteral("fe80::1")).isNotNull();
    assertThat(NettyChannelFactory.ipLiteral("localhost")).isNull();
    assertThat(NettyChannelFactory.ipLiteral("node1")).isNull();
    assertThat(NettyChannelFactory.ipLiteral("10.0.0.256")).isNull();
    assertThat(NettyChannelFactory.ipLiteral("1.2.3")).isNull();
  }
}
