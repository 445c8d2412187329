package dev.kvstore.node.request;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The lease requests of one Raft group, free of any transport (the sibling of {@link KvRequests},
 * as etcd's {@code Lessor} calls on its {@code EtcdServer}): the gRPC adapter checks a request
 * against {@link dev.kvstore.api.LeaseLimits}, calls this, and sends what the future completes with.
 *
 * <p>Futures fail with a {@link io.grpc.StatusRuntimeException}: UNAVAILABLE without a leader or
 * quorum within {@code ctx} (writes with the {@link dev.kvstore.api.WriteOutcome} trailer when
 * their fate is unknown), NOT_FOUND for a revoke of a lease that does not exist, FAILED_PRECONDITION
 * for a grant of an id that is taken.
 */
public interface LeaseRequests {

  /**
   * Grants a lease through Raft: the TTL raised to the node's minimum (the response says the TTL
   * granted), the id the request's or, for 0, a random positive one this node picks.
   */
  CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request, RequestContext ctx);

  /** Revokes a lease and deletes its keys at one revision, through Raft. */
  CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest request, RequestContext ctx);

  /**
   * Renews a lease at the leader (this node or, from a follower, by asking the leader): answers
   * with its granted TTL, or TTL 0 when it does not exist (any more).
   */
  CompletableFuture<LeaseKeepAliveResponse> keepAlive(LeaseKeepAliveRequest request, RequestContext ctx);

  /**
   * The seconds a lease has left (from the leader's deadline), its granted TTL and, if asked, its
   * keys (linearizable); TTL -1 when it does not exist.
   */
  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest request, RequestContext ctx);

  /** The ids of every lease (linearizable). */
  CompletableFuture<LeaseLeasesResponse> leases(LeaseLeasesRequest request, RequestContext ctx);
}
