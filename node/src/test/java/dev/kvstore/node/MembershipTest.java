package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.ClusterGrpc;
import dev.kvstore.api.ClusterGrpc.ClusterBlockingStub;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.Member;
import dev.kvstore.api.MemberAddRequest;
import dev.kvstore.api.MemberListRequest;
import dev.kvstore.api.MemberPromoteRequest;
import dev.kvstore.api.MemberRemoveRequest;
import dev.kvstore.api.MoveLeaderRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.client.KvClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live membership changes through the Cluster service: grow, shrink, move the leader, and every refusal. */
class MembershipTest {

  /** Two election timeouts (the default 750 ms) and a margin: the leader counts such a member as silent. */
  private static final long SILENT_MS = 1_700;

  @TempDir
  Path dir;

  private TestCluster cluster;
  private TestCluster single;
  private final Map<String, ManagedChannel> channels = new HashMap<>();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (single != null) {
      single.close();
    }
  }

  @Test
  void growsFromThreeToFiveUnderWritesAndShrinksBackWithEveryAcknowledgedWriteOnEveryMember() throws Exception {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (KvClient kv = KvClient.builder().endpoints(cluster.endpoints()).requestTimeout(Duration.ofSeconds(10)).build()) {
      // Bounded: at most 8,000 writes (one GetAll page holds them all), and it stops when told.
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 8_000 && !stop.get(); i++) {
          String key = String.format("load/%05d", i);
          try {
            kv.put(key, "v" + i);
            acknowledged.add(key);
          } catch (RuntimeException e) {
            // Not acknowledged: it may or may not be applied, and is not checked.
          }
        }
      });
      await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 50);

      cluster.startJoiningNode("n4", dir);
      cluster.startJoiningNode("n5", dir);
      for (String id : List.of("n4", "n5")) {
        Member added = admin("n1").memberAdd(addRequest(id)).getMember();
        assertThat(added.getIsLearner()).isTrue();
        assertThat(added.getClientAddress()).isEqualTo(cluster.endpoint(id));
      }
      assertThat(learners(admin("n1"))).containsExactly("n4", "n5");
      // A learner serves clients: a write through it goes to the leader, a linearizable read through
      // it asks the leader for a read index (it reaches members it was never told of at start).
      cluster.kv("n4").put(Requests.put("via-learner", "x"));
      assertThat(cluster.kv("n5").get(Requests.get("via-learner")).getFound()).isTrue();
      for (String id : List.of("n4", "n5")) {
        // Right after the add the leader may not have heard the learner's commit index yet.
        await().atMost(Duration.ofSeconds(20)).ignoreException(StatusRuntimeException.class)
            .until(() -> admin("n2").memberPromote(MemberPromoteRequest.newBuilder().setId(id).build()) != null);
      }
      assertThat(voters(admin("n1"))).containsExactly("n1", "n2", "n3", "n4", "n5");
      assertThat(learners(admin("n1"))).isEmpty();
      // Every member, the new ones included, sees the five voters and follows one leader.
      String leader = cluster.awaitLeader();
      for (String id : List.of("n4", "n5")) {
        assertThat(voters(admin(id))).containsExactly("n1", "n2", "n3", "n4", "n5");
      }
      int before = acknowledged.size();
      await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= before + 50);
      // A promoted learner is a full voter: it can be elected (it takes the others' votes).
      admin("n2").moveLeader(MoveLeaderRequest.newBuilder().setTargetId("n5").build());
      assertThat(cluster.awaitLeader()).isEqualTo("n5");
      leader = "n5";

      if (leader.equals("n4") || leader.equals("n5")) {
        admin("n1").moveLeader(MoveLeaderRequest.newBuilder().setTargetId("n1").build());
      }
      admin("n1").memberRemove(MemberRemoveRequest.newBuilder().setId("n4").build());
      admin("n1").memberRemove(MemberRemoveRequest.newBuilder().setId("n5").build());
      assertThat(voters(admin("n1"))).containsExactly("n1", "n2", "n3");
      int afterShrink = acknowledged.size();
      await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= afterShrink + 50);
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);
    }
    cluster.stopNode("n4");
    cluster.stopNode("n5");
    String leader = cluster.awaitLeader();
    long applied = cluster.node(leader).appliedIndex();
    for (String id : List.of("n1", "n2", "n3")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.node(id).appliedIndex() >= applied);
      GetAllResponse all = cluster.kv(id).getAll(GetAllRequest.newBuilder().setPrefix("load/")
          .setConsistency(ReadConsistency.SERIALIZABLE).build());
      assertThat(all.getMore()).isFalse();
      Set<String> keys = new HashSet<>();
      all.getKvsList().stream().map(KeyValue::getKey).forEach(keys::add);
      assertThat(keys).as("acknowledged writes on %s", id).containsAll(acknowledged);
    }
    assertThat(acknowledged).hasSizeGreaterThan(150);
  }

  @Test
  void replacesAFailedMember() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String failed = cluster.otherThan(leader);
    cluster.crashNode(failed);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(leader).followerSilencesMs().getOrDefault(failed, 0L) > SILENT_MS);
    admin(leader).memberRemove(MemberRemoveRequest.newBuilder().setId(failed).build());
    cluster.startJoiningNode("n4", dir);
    admin(leader).memberAdd(addRequest("n4"));
    await().atMost(Duration.ofSeconds(20)).ignoreException(StatusRuntimeException.class)
        .until(() -> admin(leader).memberPromote(MemberPromoteRequest.newBuilder().setId("n4").build()) != null);
    List<String> expected = new ArrayList<>(List.of("n1", "n2", "n3", "n4"));
    expected.remove(failed);
    assertThat(voters(admin("n4"))).containsExactlyElementsOf(expected);
    // Three voters again: the cluster survives losing one more.
    cluster.crashNode(leader);
    String next = cluster.awaitLeader();
    assertThat(cluster.kv(next).put(Requests.put("after-replacement", "x")).getHeader().getLeaderId()).isEqualTo(next);
  }

  @Test
  void movesLeadershipToTheNamedMember() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String target = cluster.otherThan(leader);
    admin(cluster.otherThan(leader, target)).moveLeader(MoveLeaderRequest.newBuilder().setTargetId(target).build());
    assertThat(cluster.awaitLeader()).isEqualTo(target);
    assertRefused(() -> admin(target).moveLeader(MoveLeaderRequest.newBuilder().setTargetId("n9").build()),
        Status.Code.NOT_FOUND, "no member 'n9'");
  }

  @Test
  void refusesDuplicatesUnknownMembersAndBadAddresses() {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    Supplier<ClusterBlockingStub> n1 = () -> admin("n1");
    String unusedAddress = "127.0.0.1:" + FreePorts.take(1).get(0);
    assertRefused(() -> n1.get().memberAdd(MemberAddRequest.newBuilder().setId("n2").setRaftAddress(unusedAddress).build()),
        Status.Code.ALREADY_EXISTS, "member id 'n2' is already in use");
    assertRefused(() -> n1.get().memberAdd(MemberAddRequest.newBuilder().setId("n9")
            .setRaftAddress(cluster.config("n2").self().address()).build()),
        Status.Code.ALREADY_EXISTS, "address " + cluster.config("n2").self().address() + " is already in use");
    assertRefused(() -> n1.get().memberAdd(MemberAddRequest.newBuilder().setId("n9").setRaftAddress(unusedAddress)
            .setClientAddress(cluster.endpoint("n1")).build()),
        Status.Code.ALREADY_EXISTS, "address " + cluster.endpoint("n1") + " is already in use");
    assertRefused(() -> n1.get().memberAdd(MemberAddRequest.newBuilder().setId("n9").setRaftAddress("nohost").build()),
        Status.Code.INVALID_ARGUMENT, "raft_address 'nohost' is not HOST:PORT");
    assertRefused(() -> n1.get().memberAdd(MemberAddRequest.newBuilder().setId("-x").setRaftAddress(unusedAddress).build()),
        Status.Code.INVALID_ARGUMENT, "member id '-x' is invalid");
    assertRefused(() -> n1.get().memberPromote(MemberPromoteRequest.newBuilder().setId("n2").build()),
        Status.Code.FAILED_PRECONDITION, "n2 is already a voter");
    assertRefused(() -> n1.get().memberRemove(MemberRemoveRequest.newBuilder().setId("n9").build()),
        Status.Code.NOT_FOUND, "no member 'n9'");
    assertThat(voters(admin("n1"))).containsExactly("n1", "n2", "n3");
  }

  @Test
  void refusesAConcurrentChange() throws Exception {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    // Neither node runs, so the leader keeps the first change staged until it gives up on it.
    List<Integer> ports = FreePorts.take(2);
    List<CompletableFuture<Status>> adds = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      MemberAddRequest request = MemberAddRequest.newBuilder().setId("n" + (8 + i))
          .setRaftAddress("127.0.0.1:" + ports.get(i)).build();
      ClusterBlockingStub admin = admin("n" + (1 + i));
      adds.add(CompletableFuture.supplyAsync(() -> {
        try {
          admin.memberAdd(request);
          return Status.OK;
        } catch (StatusRuntimeException e) {
          return e.getStatus();
        }
      }));
    }
    List<Status> outcomes = new ArrayList<>();
    for (CompletableFuture<Status> add : adds) {
      outcomes.add(add.get(60, TimeUnit.SECONDS));
    }
    assertThat(outcomes).extracting(Status::getCode)
        .containsOnly(Status.Code.FAILED_PRECONDITION);
    assertThat(outcomes).extracting(Status::getDescription)
        .anySatisfy(d -> assertThat(d).contains("another membership change is under way"));
    assertThat(voters(admin("n1"))).containsExactly("n1", "n2", "n3");
    assertThat(learners(admin("n1"))).isEmpty();
  }

  @Test
  void refusesToPromoteALearnerThatIsNotCaughtUp() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    cluster.startJoiningNode("n4", dir);
    admin("n1").memberAdd(addRequest("n4"));
    cluster.crashNode("n4");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(leader).followerSilencesMs().getOrDefault("n4", 0L) > SILENT_MS);
    assertRefused(() -> admin("n2").memberPromote(MemberPromoteRequest.newBuilder().setId("n4").build()),
        Status.Code.FAILED_PRECONDITION, "learner n4 is not caught up");
    assertThat(learners(admin("n1"))).containsExactly("n4");
    // A learner's removal needs no quorum check: it does not vote.
    admin("n3").memberRemove(MemberRemoveRequest.newBuilder().setId("n4").build());
    assertThat(learners(admin("n1"))).isEmpty();
  }

  @Test
  void refusesARemovalThatWouldLoseQuorum() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    String down = cluster.otherThan(leader);
    String up = cluster.otherThan(leader, down);
    cluster.crashNode(down);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> cluster.node(leader).followerSilencesMs().getOrDefault(down, 0L) > SILENT_MS);
    assertRefused(() -> admin(leader).memberRemove(MemberRemoveRequest.newBuilder().setId(up).build()),
        Status.Code.FAILED_PRECONDITION, "removing voter " + up + " would lose quorum");
    // Removing the member that is down keeps a quorum of two that answer.
    admin(up).memberRemove(MemberRemoveRequest.newBuilder().setId(down).build());
    assertThat(voters(admin(leader))).containsExactlyInAnyOrder(leader, up);
  }

  @Test
  void refusesToRemoveTheLastVoter() {
    single = TestCluster.start(1, dir);
    single.awaitLeader();
    assertThatThrownBy(() -> ClusterGrpc.newBlockingStub(single.channel("n1")).withDeadlineAfter(30, TimeUnit.SECONDS)
        .memberRemove(MemberRemoveRequest.newBuilder().setId("n1").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("n1 is the last voter");
        });
  }

  @Test
  void aNodeStartedWithAStaleMemberListIsRefusedWithoutDisruptingTheCluster() {
    cluster = TestCluster.start(3, dir);
    String leader = cluster.awaitLeader();
    long term = cluster.kv(leader).put(Requests.put("before", "x")).getHeader().getRaftTerm();
    // n4 believes it is a member of a new cluster n1..n4 that never added it.
    cluster.startExtraNode("n4", dir, false);
    await().atMost(Duration.ofSeconds(30)).until(() -> !cluster.node("n4").isRaftRunning());
    assertThat(cluster.node("n4").stopReason()).contains("n4 is not a member of the cluster", "without n4");
    assertThat(cluster.kv(leader).put(Requests.put("after", "x")).getHeader().getRaftTerm()).isEqualTo(term);
    cluster.stopNode("n4");
    assertThat(cluster.awaitLeader()).isEqualTo(leader);
    assertThat(voters(admin("n1"))).containsExactly("n1", "n2", "n3");
    // Every initial member's client address is in the configuration (from --peers).
    assertThat(admin("n2").memberList(MemberListRequest.getDefaultInstance()).getMembersList())
        .extracting(Member::getClientAddress)
        .containsExactly(cluster.endpoint("n1"), cluster.endpoint("n2"), cluster.endpoint("n3"));
  }

  @Test
  void aClientGivenOneEndpointLearnsEveryMemberFromTheLiveConfigurationAndFailsOverToThem() {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    cluster.startJoiningNode("n4", dir);
    admin("n1").memberAdd(addRequest("n4"));
    admin("n1").memberPromote(MemberPromoteRequest.newBuilder().setId("n4").build());
    try (KvClient kv = KvClient.builder().endpoints(List.of(cluster.endpoint("n1")))
        .requestTimeout(Duration.ofSeconds(10)).build()) {
      kv.put("first", "v");
      await().atMost(Duration.ofSeconds(10)).until(() -> kv.endpoints().size() == 4);
      assertThat(kv.endpoints()).containsExactlyInAnyOrder(cluster.endpoint("n1"), cluster.endpoint("n2"),
          cluster.endpoint("n3"), cluster.endpoint("n4"));
      // The only endpoint it was given goes away: the members it learned serve it.
      cluster.stopNode("n1");
      kv.put("second", "v");
      assertThat(kv.get("second").getFound()).isTrue();
    }
  }

  private MemberAddRequest addRequest(String id) {
    return MemberAddRequest.newBuilder()
        .setId(id)
        .setRaftAddress(cluster.config(id).self().address())
        .setClientAddress(cluster.endpoint(id))
        .build();
  }

  /** A stub for node {@code id} whose deadline starts now: take a new one for each call. */
  private ClusterBlockingStub admin(String id) {
    return ClusterGrpc.newBlockingStub(channels.computeIfAbsent(id, cluster::channel))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static List<String> voters(ClusterBlockingStub admin) {
    return admin.memberList(MemberListRequest.getDefaultInstance()).getMembersList().stream()
        .filter(m -> !m.getIsLearner()).map(Member::getId).toList();
  }

  private static List<String> learners(ClusterBlockingStub admin) {
    return admin.memberList(MemberListRequest.getDefaultInstance()).getMembersList().stream()
        .filter(Member::getIsLearner).map(Member::getId).toList();
  }

  private static void assertRefused(Supplier<?> call, Status.Code code, String message) {
    assertThatThrownBy(call::get).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
  }
}
