package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseStatus;
import dev.kvstore.testing.FakeLeaseServer;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lease calls and the automatic keep-alive of the Java client, against fake Lease services. */
class LeaseClientTest {

  private static final Duration WITHIN = Duration.ofSeconds(15);

  private final List<FakeLeaseServer> servers = new CopyOnWriteArrayList<>();
  private final List<KvClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(KvClient::close);
    servers.forEach(FakeLeaseServer::close);
  }

  private FakeLeaseServer server() throws IOException {
    FakeLeaseServer s = new FakeLeaseServer();
    servers.add(s);
    return s;
  }

  private KvClient client(FakeLeaseServer... nodes) {
    KvClient c = KvClient.builder().endpoints(java.util.Arrays.stream(nodes).map(FakeLeaseServer::endpoint).toList())
        .requestTimeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofSeconds(1)).build();
    clients.add(c);
    return c;
  }

  @Test
  void grantRevokeTimeToLiveAndListBlockingAndAsync() throws Exception {
    FakeLeaseServer node = server();
    LeaseClient lease = client(node).lease();

    LeaseGrantResponse granted = lease.grant(Duration.ofMillis(2500));
    assertThat(granted.getTtl()).as("rounded up to whole seconds").isEqualTo(3);
    assertThat(node.grants.get(0).hasRequestId()).as("retry-safe").isTrue();
    long other = lease.async().grant(Duration.ofSeconds(5), 77).get(15, TimeUnit.SECONDS).getId();
    assertThat(other).isEqualTo(77);

    assertThat(lease.timeToLive(77, true).getGrantedTtl()).isEqualTo(5);
    assertThat(lease.list().getLeasesList()).extracting(LeaseStatus::getId).containsExactlyInAnyOrder(granted.getId(), 77L);
    lease.revoke(77);
    assertThat(lease.async().timeToLive(77, false).get(15, TimeUnit.SECONDS).getTtl()).isEqualTo(-1);
    assertThatThrownBy(() -> lease.revoke(77)).isInstanceOfSatisfying(KvClientException.class,
        e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void badTtlsAndIdsAreRefusedWithoutBeingSent() throws Exception {
    FakeLeaseServer node = server();
    LeaseClient lease = client(node).lease();

    assertThatThrownBy(() -> lease.grant(Duration.ZERO)).isInstanceOfSatisfying(KvClientException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getMessage()).contains("ttl is 0");
    });
    assertThatThrownBy(() -> lease.revoke(0)).isInstanceOf(KvClientException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> lease.keepAlive(-1, reason -> { })).isInstanceOf(KvClientException.class);
    assertThat(node.grants).isEmpty();
  }

  @Test
  void aKeepAliveRenewsEveryThirdOfTheTtlUntilClosed() throws Exception {
    FakeLeaseServer node = server();
    long id = node.grant(1);
    List<Long> renewals = new CopyOnWriteArrayList<>();
    LeaseKeepAlive keepAlive = client(node).lease().keepAlive(id, new Recorder(renewals, new AtomicReference<>()));

    await().atMost(WITHIN).until(() -> renewals.size() >= 4);
    assertThat(renewals).containsOnly(1L);
    keepAlive.close();
    int sent = node.keepAlives.get();
    await().during(Duration.ofMillis(700)).atMost(WITHIN).until(() -> node.keepAlives.get() <= sent + 1);
  }

  @Test
  void aKeepAliveMovesToAnotherNodeWhenItsStreamBreaks() throws Exception {
    FakeLeaseServer broken = server();
    FakeLeaseServer working = server();
    long id = broken.grant(3);
    working.leases.put(id, 3L);
    broken.breakKeepAlives = true;
    List<Long> renewals = new CopyOnWriteArrayList<>();

    client(broken, working).lease().keepAlive(id, new Recorder(renewals, new AtomicReference<>()));

    await().atMost(WITHIN).until(() -> renewals.size() >= 2);
    assertThat(working.keepAlives.get()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aKeepAliveReportsTheLeaseLostWhenItIsGoneOrCannotBeRenewedForItsTtl() throws Exception {
    FakeLeaseServer node = server();
    long id = node.grant(1);
    List<Long> renewals = new CopyOnWriteArrayList<>();
    AtomicReference<KvClientException> lost = new AtomicReference<>();
    client(node).lease().keepAlive(id, new Recorder(renewals, lost));
    await().atMost(WITHIN).until(() -> !renewals.isEmpty());

    node.leases.remove(id);

    await().atMost(WITHIN).until(() -> lost.get() != null);
    assertThat(lost.get().code()).isEqualTo(Status.Code.NOT_FOUND);

    FakeLeaseServer silent = server();
    long other = silent.grant(1);
    AtomicReference<KvClientException> cut = new AtomicReference<>();
    List<Long> otherRenewals = new CopyOnWriteArrayList<>();
    client(silent).lease().keepAlive(other, new Recorder(otherRenewals, cut));
    await().atMost(WITHIN).until(() -> !otherRenewals.isEmpty());
    silent.breakKeepAlives = true;

    await().atMost(WITHIN).until(() -> cut.get() != null);
    assertThat(cut.get().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.get().getMessage()).contains("may have expired");
  }

  private record Recorder(List<Long> renewals, AtomicReference<KvClientException> lost)
      implements LeaseKeepAliveListener {
    @Override
    public void renewed(long ttlSeconds) {
      renewals.add(ttlSeconds);
    }

    @Override
    public void lost(KvClientException reason) {
      lost.set(reason);
    }
  }
}
