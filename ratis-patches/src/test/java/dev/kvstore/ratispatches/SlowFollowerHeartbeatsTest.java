package dev.kvstore.ratispatches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.server.GrpcServicesImpl;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.CodeInjectionForTesting;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's log appender to a follower that does not answer for a while, with the patched
 * {@code GrpcLogAppender}: three Ratis servers on loopback; one follower holds its answer to an
 * appendEntries (through Ratis's own test hook after the log append) while a client writes 100
 * entries, which the leader and the other follower commit. Once the appender has as many requests
 * outstanding as it may, it should send the silent follower a heartbeat only when one is due (every
 * quarter of the minimum election timeout here, 250 ms). Ratis 3.3.0 sent one on every pass of its
 * loop, that is with every new entry: about 90 here, all queued behind the held request. Then the
 * follower answers and catches up.
 */
class SlowFollowerHeartbeatsTest {

  /** Ratis's test hook in RaftServerImpl.appendEntries, after the entries are appended (RaftServerImpl.LOG_SYNC). */
  private static final String AFTER_FOLLOWER_APPEND = "RaftServerImpl.appendEntries.logComplete";
  private static final int OUTSTANDING_APPENDS_MAX = 8;
  private static final int WRITES = 100;

  @TempDir
  Path dir;

  private final List<RaftServer> servers = new ArrayList<>();
  private RaftClient client;

  @AfterEach
  void stop() throws IOException {
    CodeInjectionForTesting.remove(AFTER_FOLLOWER_APPEND);
    CodeInjectionForTesting.remove(GrpcServicesImpl.GRPC_SEND_SERVER_REQUEST);
    if (client != null) {
      client.close();
    }
    for (RaftServer server : servers) {
      server.close();
    }
  }

  @Test
  void aFollowerThatDoesNotAnswerGetsAHeartbeatWhenOneIsDueNotOneWithEveryEntry() throws Exception {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : List.of("s1", "s2", "s3")) {
      peers.add(RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    for (RaftPeer peer : peers) {
      RaftServer server = RaftServer.newBuilder().setServerId(peer.getId()).setGroup(group)
          .setProperties(properties(peer)).setStateMachine(new BaseStateMachine()).build();
      server.start();
      servers.add(server);
    }
    client = RaftClient.newBuilder().setRaftGroup(group).setProperties(new RaftProperties()).build();
    assertThat(client.io().send(message("first")).isSuccess()).isTrue();
    RaftPeerId leader = client.getLeaderId();
    RaftPeerId slow = peers.stream().map(RaftPeer::getId).filter(id -> !id.equals(leader)).findFirst().orElseThrow();

    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean holding = new AtomicBoolean(true);
    CodeInjectionForTesting.put(AFTER_FOLLOWER_APPEND, (localId, remoteId, args) -> {
      if (slow.equals(localId) && holding.get()) {
        held.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return true;
    });
    AtomicBoolean counting = new AtomicBoolean(false);
    AtomicInteger heartbeats = new AtomicInteger();
    CodeInjectionForTesting.put(GrpcServicesImpl.GRPC_SEND_SERVER_REQUEST, (localId, remoteId, args) -> {
      if (counting.get() && args.length > 0 && args[0] instanceof AppendEntriesRequestProto request
          && request.getEntriesCount() == 0 && slow.equals(RaftPeerId.valueOf(request.getServerRequest().getReplyId()))) {
        heartbeats.incrementAndGet();
      }
      return true;
    });

    assertThat(client.io().send(message("held")).isSuccess()).isTrue();
    assertThat(held.await(10, TimeUnit.SECONDS)).as("the follower holds its answer").isTrue();
    counting.set(true);
    long started = System.nanoTime();
    List<CompletableFuture<RaftClientReply>> writes = new ArrayList<>();
    for (int i = 0; i < WRITES; i++) {
      writes.add(client.async().send(message("w" + i)));
    }
    for (CompletableFuture<RaftClientReply> write : writes) {
      assertThat(write.get(20, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    counting.set(false);
    long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    holding.set(false);
    release.countDown();

    // One heartbeat every 250 ms at most once the follower has been silent for 500 ms, plus one in flight.
    assertThat(heartbeats.get()).as("heartbeats to the silent follower in %d ms", windowMs)
        .isLessThanOrEqualTo(2 + (int) (windowMs / 250));
    long leaderLast = servers.get(index(peers, leader)).getDivision(group.getGroupId()).getRaftLog().getLastCommittedIndex();
    RaftServer.Division follower = servers.get(index(peers, slow)).getDivision(group.getGroupId());
    await("the follower catches up").atMost(Duration.ofSeconds(20))
        .until(() -> follower.getInfo().getLastAppliedIndex() >= leaderLast);
  }

  private RaftProperties properties(RaftPeer peer) throws IOException {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.resolve(peer.getId().toString()).toFile()));
    GrpcConfigKeys.Server.setHost(p, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(p, Integer.parseInt(peer.getAddress().substring(peer.getAddress().lastIndexOf(':') + 1)));
    // A minimum election timeout of 1 s: a heartbeat is due every 250 ms to a silent follower.
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(1, TimeUnit.SECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    // Nothing held times out during the test (a timed-out request would leave the appender's queue).
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
    GrpcConfigKeys.Server.setLeaderOutstandingAppendsMax(p, OUTSTANDING_APPENDS_MAX);
    GrpcConfigKeys.Server.setHeartbeatChannel(p, false);
    return p;
  }

  private static int index(List<RaftPeer> peers, RaftPeerId id) {
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).getId().equals(id)) {
        return i;
      }
    }
    throw new IllegalArgumentException(id.toString());
  }

  private static Message message(String text) {
    return Message.valueOf(text);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
