package dev.kvstore.node.request;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseLimits;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseStatus;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.raft.Leadership;
import dev.kvstore.node.raft.LeaseExpiry;
import dev.kvstore.node.raft.PeerQueries;
import dev.kvstore.node.raft.PeerQueryClient;
import dev.kvstore.statemachine.Leases;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.LeaseGrantOp;
import dev.kvstore.statemachine.proto.LeaseRevokeOp;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * {@link LeaseRequests} through Raft: grants and revokes are commands (through {@link RaftKv}'s
 * write path, so they share its refusals, retries and statuses); keep-alives and time-to-live
 * questions go to the leader's {@link LeaseExpiry}, in-process when this node leads, else as a
 * {@code PeerQuery} to the leader: no log entry per keep-alive. Lists and keys are read from this
 * node's table after a read barrier.
 */
public final class RaftLeases implements LeaseRequests {

  /** Grants with an id this node picked that are tried again when the id is taken (2^-63 odds each). */
  private static final int GRANT_ATTEMPTS = 3;

  private final RaftKv kv;
  private final Leases table;
  private final PeerQueries atLeader;
  private final PeerQueryClient peers;
  private final Leadership member;
  private final ResponseHeaders headers;
  private final Executor responses;
  private final long minTtlSeconds;

  /**
   * @param atLeader      answers lease questions from this node's {@link LeaseExpiry} when it leads
   * @param minTtlSeconds shorter TTLs are raised to this (etcd's minimum TTL)
   * @param responses     where answers that arrive on transport threads are handed on
   */
  public RaftLeases(RaftKv kv, Leases table, PeerQueries atLeader, PeerQueryClient peers, Leadership member,
      ResponseHeaders headers, Executor responses, long minTtlSeconds) {
    this.kv = kv;
    this.table = table;
    this.atLeader = atLeader;
    this.peers = peers;
    this.member = member;
    this.headers = headers;
    this.responses = responses;
    this.minTtlSeconds = minTtlSeconds;
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request, RequestContext ctx) {
    return grant(request, ctx, GRANT_ATTEMPTS);
  }

  private CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request, RequestContext ctx, int attempts) {
    long id = request.getId() != 0 ? request.getId()
        : request.hasRequestId() && attempts == GRANT_ATTEMPTS ? idFor(request.getRequestId())
        : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    long ttl = Math.max(request.getTtl(), minTtlSeconds);
    Command.Builder command = Command.newBuilder().setLeaseGrant(LeaseGrantOp.newBuilder().setId(id).setTtl(ttl));
    CompletableFuture<LeaseGrantResponse> granted = kv.write(RaftKv.identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(), result -> LeaseGrantResponse.newBuilder()
        .setHeader(headers.at(result.getRevision()))
        .setId(result.getLeaseId())
        .setTtl(result.getLeaseTtl())
        .build());
    if (request.getId() != 0 || attempts <= 1) {
      return granted;
    }
    // The id this node picked is taken: pick another. FAILED_PRECONDITION means nothing else here:
    // a request id reused for another command is refused with it too, but the first attempt's id
    // is the request id's own, and a refused attempt is not remembered under the request id.
    return granted.exceptionallyCompose(error ->
        RaftFailures.statusOf(error).getStatus().getCode() == Status.Code.FAILED_PRECONDITION
            ? grant(request, ctx, attempts - 1) : CompletableFuture.failedFuture(error));
  }

  /**
   * The lease id of a grant with id 0 and a request id: derived from the request id, so that a
   * client's retry of the grant, on this node or another, is the same command and gets the first
   * answer instead of a second lease (a random id per attempt would make every retry a new grant).
   */
  static long idFor(RequestId requestId) {
    long h = 1125899906842597L;
    for (byte b : requestId.getClientId().toByteArray()) {
      h = 31 * h + b;
    }
    h = h * 0x9E3779B97F4A7C15L + requestId.getSequence();
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    long id = h & Long.MAX_VALUE;
    return id == 0 ? 1 : id;
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder().setLeaseRevoke(LeaseRevokeOp.newBuilder().setId(request.getId()));
    return kv.write(RaftKv.identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(),
        result -> LeaseRevokeResponse.newBuilder().setHeader(headers.at(result.getRevision())).build());
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> keepAlive(LeaseKeepAliveRequest request, RequestContext ctx) {
    return askLeader(request.getId(), ctx.timeout(), "renew", PeerQueries::keepAlive, PeerQueryClient::leaseKeepAlive)
        .thenApply(answer -> LeaseKeepAliveResponse.newBuilder()
            .setHeader(headers.current())
            .setId(request.getId())
            .setTtl(answer.getLeaseFound() ? answer.getLeaseTtl() : 0)
            .build());
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest request, RequestContext ctx) {
    long id = request.getId();
    CompletableFuture<PeerQueryResult> left =
        askLeader(id, ctx.timeout(), "ask about", PeerQueries::timeToLive, PeerQueryClient::leaseTimeToLive);
    CompletableFuture<LeaseTimeToLiveResponse.Builder> local = kv.read(ReadConsistency.LINEARIZABLE, ctx.timeout(), false, () -> {
      LeaseTimeToLiveResponse.Builder response = LeaseTimeToLiveResponse.newBuilder().setId(id);
      OptionalLong granted = table.grantedTtl(id);
      if (granted.isEmpty()) {
        return response.setTtl(-1).setHeader(headers.current());
      }
      response.setGrantedTtl(granted.getAsLong());
      if (request.getKeys()) {
        addKeys(response, table.keys(id));
      }
      return response.setHeader(headers.current());
    });
    return local.thenCombine(left, (response, leader) -> {
      if (response.getTtl() == -1) {
        return response.build();
      }
      // Known here but not to the leader: it is being expired right now.
      return response.setTtl(leader.getLeaseFound() ? leader.getLeaseTtl() : 0).build();
    });
  }

  /** Adds keys until the next would take the response past the range byte budget. */
  private static void addKeys(LeaseTimeToLiveResponse.Builder response, List<String> keys) {
    long bytes = 0;
    for (String key : keys) {
      bytes += key.getBytes(StandardCharsets.UTF_8).length + 8;
      if (bytes > RequestLimits.MAX_RANGE_BYTES) {
        response.setKeysTruncated(true);
        return;
      }
      response.addKeys(key);
    }
  }

  @Override
  public CompletableFuture<LeaseLeasesResponse> leases(LeaseLeasesRequest request, RequestContext ctx) {
    return kv.read(ReadConsistency.LINEARIZABLE, ctx.timeout(), false, () -> {
      int limit = request.getLimit() == 0 ? LeaseLimits.MAX_LEASES_PER_PAGE : (int) request.getLimit();
      LeaseLeasesResponse.Builder response = LeaseLeasesResponse.newBuilder();
      for (Leases.Lease lease : table.all()) {
        if (lease.id() <= request.getAfterId()) {
          continue;
        }
        if (response.getLeasesCount() == limit) {
          response.setMore(true);
          break;
        }
        response.addLeases(LeaseStatus.newBuilder().setId(lease.id()));
      }
      return response.setHeader(headers.current()).build();
    });
  }

  /** One lease question: in-process at a leader, else asked of it. */
  private interface LocalQuestion extends BiFunction<PeerQueries, Long, CompletableFuture<PeerQueryResult>> {}

  /** The same question asked of another node. */
  private interface RemoteQuestion {
    CompletableFuture<PeerQueryResult> ask(PeerQueryClient client, RaftPeerId leader, long id, Duration timeout);
  }

  /**
   * Asks the leader a lease question; fails with UNAVAILABLE (naming the leader, or saying there
   * is none) when it cannot be answered, which a client retries, on this or another node.
   */
  private CompletableFuture<PeerQueryResult> askLeader(long id, Duration wait, String what, LocalQuestion local,
      RemoteQuestion remote) {
    Optional<String> leader = member.leaderId();
    if (leader.isEmpty()) {
      return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription("cannot " + what + " lease "
          + id + ": node " + member.id() + " sees no leader (the cluster is electing one or has no quorum); retry")
          .asRuntimeException());
    }
    CompletableFuture<PeerQueryResult> answer = leader.get().equals(member.id())
        ? local.apply(atLeader, id)
        : remote.ask(peers, RaftPeerId.valueOf(leader.get()), id, wait);
    return answer.handleAsync((result, error) -> {
      if (error == null) {
        return result;
      }
      Throwable cause = RaftFailures.unwrap(error);
      throw Status.UNAVAILABLE.withDescription("cannot " + what + " lease " + id + ": the leader " + leader.get()
          + " did not answer (" + cause.getMessage() + "); retry").withCause(cause).asRuntimeException();
    }, responses);
  }
}
