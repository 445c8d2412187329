package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseStatus;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  /** A Lease service with a table of leases and no clock: leases end only when the test removes them. */
  private static final class FakeLeaseServer extends LeaseGrpc.LeaseImplBase {
    final Map<Long, Long> leases = new ConcurrentHashMap<>();
    final List<LeaseGrantRequest> grants = new CopyOnWriteArrayList<>();
    final AtomicInteger keepAlives = new AtomicInteger();
    volatile boolean breakKeepAlives;
    private final AtomicInteger ids = new AtomicInteger(1000);
    private final Server server;

    FakeLeaseServer() throws IOException {
      server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(this).build().start();
    }

    String endpoint() {
      return "127.0.0.1:" + server.getPort();
    }

    long grant(long ttl) {
      long id = ids.incrementAndGet();
      leases.put(id, ttl);
      return id;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
      grants.add(request);
      long id = request.getId() != 0 ? request.getId() : ids.incrementAndGet();
      leases.put(id, request.getTtl());
      out.onNext(LeaseGrantResponse.newBuilder().setId(id).setTtl(request.getTtl()).build());
      out.onCompleted();
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
      if (leases.remove(request.getId()) == null) {
        out.onError(Status.NOT_FOUND.withDescription("lease not found").asRuntimeException());
        return;
      }
      out.onNext(LeaseRevokeResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
      Long ttl = leases.get(request.getId());
      out.onNext(LeaseTimeToLiveResponse.newBuilder().setId(request.getId()).setTtl(ttl == null ? -1 : ttl)
          .setGrantedTtl(ttl == null ? 0 : ttl).build());
      out.onCompleted();
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
      LeaseLeasesResponse.Builder response = LeaseLeasesResponse.newBuilder();
      leases.keySet().forEach(id -> response.addLeases(LeaseStatus.newBuilder().setId(id)));
      out.onNext(response.build());
      out.onCompleted();
    }

    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
      return new StreamObserver<>() {
        @Override
        public synchronized void onNext(LeaseKeepAliveRequest request) {
          if (breakKeepAlives) {
            out.onError(Status.UNAVAILABLE.withDescription("no leader").asRuntimeException());
            return;
          }
          keepAlives.incrementAndGet();
          Long ttl = leases.get(request.getId());
          out.onNext(LeaseKeepAliveResponse.newBuilder().setId(request.getId()).setTtl(ttl == null ? 0 : ttl).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }

    void close() {
      server.shutdownNow();
    }
  }
}
