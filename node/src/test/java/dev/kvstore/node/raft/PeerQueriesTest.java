package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.node.raft.CommandSubmitter.Applied;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.ForwardCommandsQuery;
import dev.kvstore.statemachine.proto.ForwardedCommand;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import dev.kvstore.statemachine.proto.PutOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.junit.jupiter.api.Test;

/** The leader's side of commands a follower forwards: proposed with its own, answered in order. */
class PeerQueriesTest {

  private final FakeLeadership member = new FakeLeadership();
  private final List<List<Command>> proposed = new ArrayList<>();
  private final List<Duration> timeouts = new ArrayList<>();
  private final List<CompletableFuture<Applied>> pending = new ArrayList<>();
  private final PeerQueries queries = new PeerQueries(member, null, Duration.ofSeconds(1), null, (commands, timeout) -> {
    proposed.add(commands);
    timeouts.add(timeout);
    List<CompletableFuture<Applied>> futures = commands.stream().map(c -> new CompletableFuture<Applied>()).toList();
    pending.addAll(futures);
    return futures;
  });

  @Test
  void theReadyLeaderProposesForwardedCommandsTogetherAndAnswersEachInOrderOnceAllHaveAnOutcome() {
    member.lead(3);
    List<Command> commands = List.of(put("a"), put("b"), put("c"));

    CompletableFuture<PeerQueryResult> answer = queries.apply(forward(commands, 1500));

    assertThat(proposed).containsExactly(commands);
    assertThat(timeouts).containsExactly(Duration.ofMillis(1500));
    CommandResult result = CommandResult.newBuilder().setRevision(7).build();
    pending.get(0).complete(new Applied(result, 42));
    pending.get(1).completeExceptionally(new StateMachineException("n1 refused",
        new IllegalArgumentException("put needs a non-empty key")));
    assertThat(answer).as("one command has no outcome yet").isNotDone();
    pending.get(2).completeExceptionally(new TimeoutException("no quorum"));

    assertThat(answer).isCompleted();
    PeerQueryResult answered = answer.join();
    assertThat(answered.getNotLeader()).isFalse();
    assertThat(answered.getTerm()).isEqualTo(member.term());
    assertThat(answered.getForwardedList()).containsExactly(
        ForwardedCommand.newBuilder().setResult(result).setLogIndex(42).build(),
        ForwardedCommand.newBuilder().setRefused("put needs a non-empty key").build(),
        ForwardedCommand.newBuilder().setFailed("java.util.concurrent.TimeoutException: no quorum").build());
  }

  @Test
  void aNodeThatIsNotTheReadyLeaderProposesNothingAndSaysSo() {
    member.follow();

    PeerQueryResult answer = queries.apply(forward(List.of(put("a")), 1000)).join();

    assertThat(answer.getNotLeader()).isTrue();
    assertThat(answer.getTerm()).isEqualTo(member.term());
    assertThat(answer.getForwardedCount()).isZero();
    assertThat(proposed).isEmpty();
  }

  @Test
  void aTimeLimitOfZeroStillGivesTheLeaderAMillisecond() {
    member.lead(3);

    queries.apply(forward(List.of(put("a")), 0));

    assertThat(timeouts).containsExactly(Duration.ofMillis(1));
  }

  @Test
  void aProposerThatThrowsFailsEachCommandInsteadOfTheQuery() {
    member.lead(3);
    PeerQueries throwing = new PeerQueries(member, null, Duration.ofSeconds(1), null, (commands, timeout) -> {
      throw new IllegalStateException("submitter closed");
    });

    PeerQueryResult answer = throwing.apply(forward(List.of(put("a"), put("b")), 1000)).join();

    assertThat(answer.getForwardedList()).extracting(ForwardedCommand::getFailed)
        .containsExactly("java.lang.IllegalStateException: submitter closed",
            "java.lang.IllegalStateException: submitter closed");
  }

  private static PeerQuery forward(List<Command> commands, long timeoutMs) {
    return PeerQuery.newBuilder()
        .setForwardCommands(ForwardCommandsQuery.newBuilder().addAllCommands(commands).setTimeoutMs(timeoutMs))
        .build();
  }

  private static Command put(String key) {
    return Command.newBuilder().setPut(PutOp.newBuilder().setKey(key)).build();
  }
}
