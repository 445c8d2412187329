package dev.kvstore.node.raft;

import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers the {@link PeerQuery}s other nodes ask this one ({@link PeerQueryClient}), on the Ratis
 * thread that received them: its current term at once, and, when this node is the ready leader, a
 * read index from the same shared rounds as its own linearizable reads ({@link ReadBarrier}). A
 * node that does not lead refuses a read-index question at once, so the asker falls back to the
 * log instead of being sent on to yet another node.
 */
public final class PeerQueries implements Function<PeerQuery, CompletableFuture<PeerQueryResult>> {

  private final Leadership member;
  private final ReadBarrier reads;
  private final Duration readIndexTimeout;
  private final LeaseExpiry leases;

  /** @param readIndexTimeout how long a read-index question may wait for its round (the asker's own limit) */
  PeerQueries(Leadership member, ReadBarrier reads, Duration readIndexTimeout) {
    this(member, reads, readIndexTimeout, null);
  }

  /** @param leases the leader's lease deadlines, which lease questions are answered from */
  public PeerQueries(Leadership member, ReadBarrier reads, Duration readIndexTimeout, LeaseExpiry leases) {
    this.member = member;
    this.reads = reads;
    this.readIndexTimeout = readIndexTimeout;
    this.leases = leases;
  }

  @Override
  public CompletableFuture<PeerQueryResult> apply(PeerQuery question) {
    return switch (question.getKindCase()) {
      case CURRENT_TERM -> CompletableFuture.completedFuture(PeerQueryResult.newBuilder().setTerm(member.term()).build());
      case READ_INDEX -> readIndex();
      case LEASE_KEEP_ALIVE -> keepAlive(question.getLeaseKeepAlive().getId());
      case LEASE_TIME_TO_LIVE -> timeToLive(question.getLeaseTimeToLive().getId());
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

  private LeaseExpiry leaseExpiry() {
    if (leases == null) {
      throw new IllegalStateException(member.id() + " keeps no lease deadlines");
    }
    return leases;
  }
}
