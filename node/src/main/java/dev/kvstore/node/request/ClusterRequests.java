package dev.kvstore.node.request;

import dev.kvstore.api.MemberAddRequest;
import dev.kvstore.api.MemberAddResponse;
import dev.kvstore.api.MemberListRequest;
import dev.kvstore.api.MemberListResponse;
import dev.kvstore.api.MemberPromoteRequest;
import dev.kvstore.api.MemberPromoteResponse;
import dev.kvstore.api.MemberRemoveRequest;
import dev.kvstore.api.MemberRemoveResponse;
import dev.kvstore.api.MoveLeaderRequest;
import dev.kvstore.api.MoveLeaderResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The membership requests of one Raft group, free of any transport, as etcd's {@code Cluster}
 * server: the members are the live Raft configuration, and each change is one Raft configuration
 * change. Authorisation (root for changes) is the adapter's.
 *
 * <p>Each future fails with a {@link io.grpc.StatusRuntimeException}: INVALID_ARGUMENT for a
 * malformed id or address, ALREADY_EXISTS for an id or address in use, NOT_FOUND for an unknown
 * member, FAILED_PRECONDITION for a change the cluster's state does not allow now (another change
 * under way, a learner not caught up, a removal that would lose quorum, a learner asked to lead),
 * UNAVAILABLE without a leader or when the leader changed during the call.
 */
public interface ClusterRequests {

  /** Every member of this node's live configuration: no leader needed. */
  CompletableFuture<MemberListResponse> memberList(MemberListRequest request, RequestContext ctx);

  /**
   * Adds a learner (a Raft listener) and completes once the configuration holding it is committed,
   * which Ratis does only once the new node has caught up with the leader: start the new node
   * first (with {@code --initial-cluster-state existing}). Fails with FAILED_PRECONDITION when it
   * does not answer the leader within Ratis's staging time-out (3 maximum election timeouts).
   */
  CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request, RequestContext ctx);

  /**
   * Makes a learner a voter, if the leader heard from it within two election timeouts and its
   * commit index is at most the configured lag behind the leader's; FAILED_PRECONDITION naming the
   * gap otherwise.
   */
  CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request, RequestContext ctx);

  /**
   * Removes a member. A voter's removal is refused (FAILED_PRECONDITION) when it is the last voter,
   * or when the voters that stay and answer the leader would not be a majority of the current voters.
   */
  CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request, RequestContext ctx);

  /** Hands leadership to a voter and completes once it leads (as etcd's MoveLeader). */
  CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request, RequestContext ctx);
}
