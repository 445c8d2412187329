package dev.kvstore.node;

import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers the {@link PeerQuery}s other nodes ask this one ({@link PeerQueryClient}), on the Ratis
 * thread that received them: its current term at once, and, when this node is the ready leader, a
 * read index from the same shared rounds as its own linearizable reads ({@link ReadBarrier}). A
 * node that does not lead refuses a read-index question at once, so the asker falls back to the
 * log instead of being sent on to yet another node.
 */
final class PeerQueries implements Function<PeerQuery, CompletableFuture<PeerQueryResult>> {

  private final Leadership member;
  private final ReadBarrier reads;
  private final Duration readIndexTimeout;

  /** @param readIndexTimeout how long a read-index question may wait for its round (the asker's own limit) */
  PeerQueries(Leadership member, ReadBarrier reads, Duration readIndexTimeout) {
    this.member = member;
    this.reads = reads;
    this.readIndexTimeout = readIndexTimeout;
  }

  @Override
  public CompletableFuture<PeerQueryResult> apply(PeerQuery question) {
    return switch (question.getKindCase()) {
      case CURRENT_TERM -> CompletableFuture.completedFuture(PeerQueryResult.newBuilder().setTerm(member.term()).build());
      case READ_INDEX -> readIndex();
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
}
