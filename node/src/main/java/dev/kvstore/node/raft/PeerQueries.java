package dev.kvstore.node.raft;

import dev.kvstore.node.raft.CommandSubmitter.Applied;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.ForwardCommandsQuery;
import dev.kvstore.statemachine.proto.ForwardedCommand;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers the {@link PeerQuery}s other nodes ask this one ({@link PeerQueryClient}), on the Ratis
 * thread that received them: its current term at once, and, when this node is the ready leader, a
 * read index from the same shared rounds as its own linearizable reads ({@link ReadBarrier}). A
 * node that does not lead refuses a read-index question at once, so the asker falls back to the
 * log instead of being sent on to yet another node.
 *
 * <p>Commands a follower forwards ({@code ForwardCommandsQuery}, from its {@link CommandSubmitter})
 * are proposed by the ready leader with its own, and answered once each has an outcome; a node that
 * is not the ready leader proposes nothing and says so, and the follower asks the leader it knows.
 */
public final class PeerQueries implements Function<PeerQuery, CompletableFuture<PeerQueryResult>> {

  private final Leadership member;
  private final ReadBarrier reads;
  private final Duration readIndexTimeout;
  private final LeaseExpiry leases;
  private final Proposer proposer;

  /** Proposes commands through this node's Raft server, as {@link CommandSubmitter#submitAll} does. */
  @FunctionalInterface
  public interface Proposer {
    /** One future per command, in order, each completing as {@link CommandSubmitter#submit}'s does. */
    List<CompletableFuture<Applied>> submitAll(List<Command> commands, Duration timeout);
  }

  /**
   * @param readIndexTimeout how long a read-index question may wait for its round (the asker's own limit)
   * @param leases           the leader's lease deadlines, which lease questions are answered from
   * @param proposer         where a leader proposes the commands followers forward
   */
  public PeerQueries(Leadership member, ReadBarrier reads, Duration readIndexTimeout, LeaseExpiry leases,
      Proposer proposer) {
    this.member = member;
    this.reads = reads;
    this.readIndexTimeout = readIndexTimeout;
    this.leases = leases;
    this.proposer = proposer;
  }

  @Override
  public CompletableFuture<PeerQueryResult> apply(PeerQuery question) {
    return switch (question.getKindCase()) {
      case CURRENT_TERM -> CompletableFuture.completedFuture(PeerQueryResult.newBuilder().setTerm(member.term()).build());
      case READ_INDEX -> readIndex();
      case LEASE_KEEP_ALIVE -> keepAlive(question.getLeaseKeepAlive().getId());
      case LEASE_TIME_TO_LIVE -> timeToLive(question.getLeaseTimeToLive().getId());
      case FORWARD_COMMANDS -> propose(question.getForwardCommands());
      case KIND_NOT_SET -> CompletableFuture.failedFuture(new IllegalArgumentException("a peer query of an unknown kind"));
    };
  }

  private CompletableFuture<PeerQueryResult> readIndex() {
    long term = member.term();
    if (!member.isLeaderReady()) {
      return CompletableFuture.failedFuture(new IllegalStateException(member.id() + " is not the leader (term " + term + ")"));
    }
    return reads.await(readIndexTimeout)
        .thenApply(index -> PeerQueryResult.newBuilder().setTerm(term).setReadIndex(index).build());
  }

  /**
   * Renews a lease here, at the leader, and answers once this node confirmed its leadership after
   * the renewal (a read-index round): a leader elected later counts the lease's fresh TTL from
   * after this answer, so the TTL it reports holds whatever happens to this node.
   */
  public CompletableFuture<PeerQueryResult> keepAlive(long id) {
    PeerQueryResult renewed;
    try {
      OptionalLong ttl = leaseExpiry().renew(id);
      renewed = PeerQueryResult.newBuilder().setTerm(member.term()).setLeaseFound(ttl.isPresent())
          .setLeaseTtl(ttl.orElse(0)).build();
    } catch (RuntimeException e) {
      // Not the leader, or the Raft server is stopping.
      return CompletableFuture.failedFuture(e);
    }
    return reads.await(readIndexTimeout).thenApply(index -> renewed);
  }

  /** The seconds a lease has left, from this leader's deadlines. */
  public CompletableFuture<PeerQueryResult> timeToLive(long id) {
    try {
      OptionalLong left = leaseExpiry().remaining(id);
      return CompletableFuture.completedFuture(PeerQueryResult.newBuilder().setTerm(member.term())
          .setLeaseFound(left.isPresent()).setLeaseTtl(left.orElse(-1)).build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Proposes a follower's commands with this leader's own and answers with each one's outcome, in
   * order, once all have one. Never fails: a refusal or a failure is an outcome of its command.
   */
  private CompletableFuture<PeerQueryResult> propose(ForwardCommandsQuery forwarded) {
    long term = member.term();
    if (!member.isLeaderReady()) {
      return CompletableFuture.completedFuture(PeerQueryResult.newBuilder().setTerm(term).setNotLeader(true).build());
    }
    List<CompletableFuture<Applied>> proposed;
    try {
      proposed = proposer.submitAll(forwarded.getCommandsList(),
          Duration.ofMillis(Math.max(1, forwarded.getTimeoutMs())));
    } catch (RuntimeException e) {
      // An exception out of a query would close the asker's whole stream: this one is every command's outcome.
      proposed = forwarded.getCommandsList().stream()
          .map(command -> CompletableFuture.<Applied>failedFuture(e))
          .toList();
    }
    List<CompletableFuture<ForwardedCommand>> outcomes = proposed.stream()
        .map(applied -> applied.handle(PeerQueries::outcome))
        .toList();
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(all -> {
      PeerQueryResult.Builder answer = PeerQueryResult.newBuilder().setTerm(term);
      outcomes.forEach(outcome -> answer.addForwarded(outcome.join()));
      return answer.build();
    });
  }

  private static ForwardedCommand outcome(Applied applied, Throwable error) {
    if (error == null) {
      return ForwardedCommand.newBuilder().setResult(applied.result()).setLogIndex(applied.logIndex()).build();
    }
    return RaftFailures.refusal(error)
        .map(refused -> ForwardedCommand.newBuilder().setRefused(refused.getMessage()).build())
        .orElseGet(() -> ForwardedCommand.newBuilder().setFailed(String.valueOf(RaftFailures.unwrap(error))).build());
  }

  private LeaseExpiry leaseExpiry() {
    if (leases == null) {
      throw new IllegalStateException(member.id() + " keeps no lease deadlines");
    }
    return leases;
  }
}
