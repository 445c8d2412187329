package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.EventType;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLimits;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseStatus;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases through a 3-node cluster: expiry decided by the leader and applied everywhere at one
 * revision, keep-alives through followers, leader changes, revokes and bad input. TTLs are the
 * minimum (2 s with the default election timeout); every wait polls with a deadline, generous for
 * a loaded machine.
 */
class LeaseTest {

  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private LeaseGrpc.LeaseBlockingStub lease(String id) {
    return LeaseGrpc.newBlockingStub(cluster.channel(id)).withDeadlineAfter(15, TimeUnit.SECONDS);
  }

  private long grant(String node, long ttl) {
    return lease(node).leaseGrant(LeaseGrantRequest.newBuilder().setTtl(ttl).build()).getId();
  }

  private void put(String node, String key, long lease) {
    cluster.kv(node).put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v")).setLease(lease)
        .build());
  }

  private boolean existsOn(String node, String key) {
    return cluster.node(node).stateMachine().readView().get(key).isPresent();
  }

  /** Collects a watch stream. */
  private static final class Watcher implements StreamObserver<WatchResponse> {
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(WatchResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    List<WatchResponse> deletes() {
      return responses.stream().filter(r -> !r.getCreated() && r.getType() == EventType.DELETE).toList();
    }
  }

  private Watcher watch(String node, String prefix, Context.CancellableContext context) {
    Watcher w = new Watcher();
    context.run(() -> KvStoreGrpc.newStub(cluster.channel(node))
        .watch(WatchRequest.newBuilder().setKey(prefix).setPrefix(true).build(), w));
    await().atMost(LONG).until(() -> !w.responses.isEmpty());
    return w;
  }

  @Test
  void anExpiredLeaseDeletesItsKeysOnEveryNodeAtOneRevisionAndWatchersGetTheDeletes() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String follower = cluster.otherThan(leader);
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Map<String, Watcher> watchers = new ConcurrentHashMap<>();
      cluster.ids().forEach(n -> watchers.put(n, watch(n, "lease/", ctx)));
      long id = grant(follower, 1);
      put(follower, "lease/a", id);
      put(leader, "lease/b", id);

      await().atMost(LONG).until(() -> watchers.values().stream().allMatch(w -> w.deletes().size() == 2));

      long revision = watchers.get(leader).deletes().get(0).getRevision();
      for (String n : cluster.ids()) {
        assertThat(watchers.get(n).deletes()).as("deletes seen on %s", n)
            .extracting(WatchResponse::getKey, WatchResponse::getRevision)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("lease/a", revision),
                org.assertj.core.groups.Tuple.tuple("lease/b", revision));
        await().atMost(LONG).until(() -> !existsOn(n, "lease/a") && !cluster.node(n).stateMachine().leases().exists(id));
      }
      LeaseTimeToLiveResponse gone = lease(follower).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).build());
      assertThat(gone.getTtl()).isEqualTo(-1);
    }
  }

  /** A keep-alive stream that sends a keep-alive each time the test asks. */
  private static final class KeepAlives implements StreamObserver<LeaseKeepAliveResponse> {
    final BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final StreamObserver<LeaseKeepAliveRequest> requests;

    KeepAlives(LeaseGrpc.LeaseStub stub) {
      requests = stub.leaseKeepAlive(this);
    }

    /** Renews once and waits for the answer; returns when it arrived. */
    LeaseKeepAliveResponse renew(long id) throws InterruptedException {
      requests.onNext(LeaseKeepAliveRequest.newBuilder().setId(id).build());
      LeaseKeepAliveResponse answer = answers.poll(15, TimeUnit.SECONDS);
      assertThat(answer).as("keep-alive answer (stream error: %s)", error.get()).isNotNull();
      return answer;
    }

    @Override
    public void onNext(LeaseKeepAliveResponse value) {
      answers.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {}
  }

  @Test
  void keepAlivesThroughAFollowerKeepALeaseAlivePastItsTtlAndALeaderChangeNeverExpiresItEarly() throws Exception {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String follower = cluster.otherThan(leader);
    long id = grant(follower, 2);
    long ttl = lease(follower).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).build()).getGrantedTtl();
    put(follower, "kept", id);
    KeepAlives keepAlives = new KeepAlives(LeaseGrpc.newStub(cluster.channel(follower)));

    // Renewed every half TTL through the follower, for three TTLs.
    long renewals = 0;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3 * ttl);
    while (System.nanoTime() < until && renewals < 100) {
      assertThat(keepAlives.renew(id).getTtl()).isEqualTo(ttl);
      renewals++;
      await("alive for half a TTL after renewal " + renewals).during(Duration.ofMillis(ttl * 500))
          .atMost(LONG).pollInterval(Duration.ofMillis(50))
          .until(() -> cluster.ids().stream().allMatch(n -> existsOn(n, "kept")));
    }

    // The last renewal, then the leader goes away without a hand-off: the lease must live on for
    // at least a TTL after the renewal, whatever the new leader's clock says.
    keepAlives.renew(id);
    long renewed = System.nanoTime();
    cluster.crashNode(leader);
    List<String> survivors = cluster.runningIds();
    Duration guaranteed = Duration.ofNanos(renewed + TimeUnit.SECONDS.toNanos(ttl) - System.nanoTime())
        .minusMillis(100);
    await("alive on every survivor until a TTL after the last renewal").during(guaranteed)
        .atMost(guaranteed.plus(LONG)).pollInterval(Duration.ofMillis(20))
        .until(() -> survivors.stream().allMatch(n -> existsOn(n, "kept")));

    // Without renewals the new leader expires it.
    String newLeader = cluster.awaitLeader();
    await().atMost(LONG).until(() -> survivors.stream().noneMatch(n -> existsOn(n, "kept")));
    assertThat(cluster.node(newLeader).stateMachine().leases().exists(id)).isFalse();
  }

  @Test
  void aRevokeDeletesTheKeysAndBadOrUnknownLeasesGetClearErrors() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String follower = cluster.otherThan(leader);

    LeaseGrantResponse granted = lease(follower).leaseGrant(LeaseGrantRequest.newBuilder().setTtl(1).build());
    assertThat(granted.getTtl()).as("raised to the minimum TTL").isEqualTo(KvNode.minLeaseTtlSeconds(
        cluster.config(follower).raft().electionTimeout()));
    long mine = lease(follower).leaseGrant(LeaseGrantRequest.newBuilder().setTtl(600).setId(0x1234).build()).getId();
    assertThat(mine).isEqualTo(0x1234);
    put(follower, "r/a", mine);
    put(follower, "r/b", mine);
    put(follower, "r/c", 0);

    LeaseTimeToLiveResponse ttl = lease(follower).leaseTimeToLive(
        LeaseTimeToLiveRequest.newBuilder().setId(mine).setKeys(true).build());
    assertThat(ttl.getGrantedTtl()).isEqualTo(600);
    assertThat(ttl.getTtl()).isBetween(550L, 600L);
    assertThat(ttl.getKeysList()).containsExactly("r/a", "r/b");
    assertThat(lease(leader).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList())
        .extracting(LeaseStatus::getId).contains(granted.getId(), mine);

    long revision = lease(follower).leaseRevoke(LeaseRevokeRequest.newBuilder().setId(mine).build())
        .getHeader().getRevision();
    for (String n : cluster.ids()) {
      assertThat(cluster.kv(n).get(GetRequest.newBuilder().setKey("r/a").build()).getFound()).isFalse();
      assertThat(cluster.kv(n).get(GetRequest.newBuilder().setKey("r/c").build()).getFound()).isTrue();
      await().atMost(LONG).until(() -> cluster.node(n).stateMachine().readView().revision() >= revision);
      assertThat(cluster.node(n).stateMachine().readView().revision()).isEqualTo(revision);
    }

    assertStatus(() -> lease(follower).leaseRevoke(LeaseRevokeRequest.newBuilder().setId(mine).build()),
        Status.Code.NOT_FOUND, "not found");
    assertStatus(() -> put(leader, "r/d", mine), Status.Code.NOT_FOUND, "lease " + mine);
    assertStatus(() -> lease(follower).leaseGrant(LeaseGrantRequest.newBuilder().setTtl(0).build()),
        Status.Code.INVALID_ARGUMENT, "ttl is 0");
    assertStatus(() -> lease(follower).leaseGrant(LeaseGrantRequest.newBuilder()
        .setTtl(LeaseLimits.MAX_TTL_SECONDS + 1).build()), Status.Code.INVALID_ARGUMENT, "365 days");
    assertStatus(() -> lease(follower).leaseGrant(LeaseGrantRequest.newBuilder().setTtl(5).setId(granted.getId())
        .build()), Status.Code.FAILED_PRECONDITION, "already exists");
    assertStatus(() -> lease(follower).leaseRevoke(LeaseRevokeRequest.newBuilder().setId(-3).build()),
        Status.Code.INVALID_ARGUMENT, "positive");
    assertThat(lease(follower).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(mine).build()).getTtl())
        .isEqualTo(-1);
    assertThat(cluster.kv(leader).get(GetRequest.newBuilder().setKey("r/d")
        .setConsistency(ReadConsistency.LINEARIZABLE).build()).getFound()).isFalse();
  }

  @Test
  void aRetriedGrantWithARequestIdIsTheSameLeaseOnAnyNodeAndUnknownLeasesKeepAliveToZero() throws Exception {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String follower = cluster.otherThan(leader);
    LeaseGrantRequest grant = LeaseGrantRequest.newBuilder().setTtl(60).setRequestId(RequestId.newBuilder()
        .setClientId(ByteString.copyFromUtf8("lease-test-client")).setSequence(1)).build();

    long first = lease(follower).leaseGrant(grant).getId();
    long retried = lease(leader).leaseGrant(grant).getId();

    assertThat(retried).isEqualTo(first);
    assertThat(lease(leader).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList()).hasSize(1);
    KeepAlives keepAlives = new KeepAlives(LeaseGrpc.newStub(cluster.channel(follower)));
    assertThat(keepAlives.renew(first).getTtl()).isEqualTo(60);
    assertThat(keepAlives.renew(first + 1).getTtl()).isZero();
  }

  private static void assertStatus(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }
}
