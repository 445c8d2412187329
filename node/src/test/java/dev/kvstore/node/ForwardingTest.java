package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.PutResponse;
import dev.kvstore.statemachine.KvStateMachine;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower forwards the writes it receives to the leader, which proposes them with its own; a
 * leader that cannot take forwarded commands (a version without them) gets them as the follower's
 * own Raft writes instead.
 */
class ForwardingTest {

  @TempDir
  Path dir;

  @Test
  void aFollowersWritesAreForwardedToTheLeaderAndFallBackToRaftWritesWhenItRefusesForwards() throws Exception {
    try (TestCluster cluster = TestCluster.start(3, dir)) {
      String leader = cluster.awaitLeader();
      String follower = cluster.otherThan(leader);
      KvStateMachine leaderState = cluster.node(leader).stateMachine();
      Function<PeerQuery, CompletableFuture<PeerQueryResult>> answers = leaderState.peerQueryHandler();
      AtomicInteger forwards = new AtomicInteger();
      leaderState.answerPeerQueries(question -> {
        if (question.hasForwardCommands()) {
          forwards.incrementAndGet();
        }
        return answers.apply(question);
      });

      PutResponse forwarded = cluster.kv(follower).put(put("forward/a", "1"));
      assertThat(forwards).as("forwards the leader received").hasPositiveValue();

      AtomicInteger refused = new AtomicInteger();
      leaderState.answerPeerQueries(question -> {
        if (!question.hasForwardCommands()) {
          return answers.apply(question);
        }
        refused.incrementAndGet();
        // What a node without forwarding answers: the question is of a kind it does not know.
        return CompletableFuture.failedFuture(new IllegalArgumentException("a kvstore peer query of an unknown kind"));
      });
      PutResponse written = cluster.kv(follower).put(put("forward/b", "2"));
      assertThat(refused).as("forwards the leader refused").hasPositiveValue();
      int refusedBefore = refused.get();
      // A refusal closes the connection (failing all else on it): the follower does not ask again at once.
      PutResponse later = cluster.kv(follower).put(put("forward/c", "3"));
      assertThat(refused).as("forwards asked again right after a refusal").hasValue(refusedBefore);
      assertThat(later.getHeader().getRevision()).isGreaterThan(written.getHeader().getRevision());

      assertThat(written.getHeader().getRevision()).isGreaterThan(forwarded.getHeader().getRevision());
      for (String node : cluster.ids()) {
        assertThat(cluster.kv(node).get(Requests.get("forward/a")).getValue().toStringUtf8()).as(node).isEqualTo("1");
        assertThat(cluster.kv(node).get(Requests.get("forward/b")).getValue().toStringUtf8()).as(node).isEqualTo("2");
      }
    }
  }
}
