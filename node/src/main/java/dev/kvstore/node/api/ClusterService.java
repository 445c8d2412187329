package dev.kvstore.node.api;

import dev.kvstore.api.ClusterGrpc;
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
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.request.ClusterRequests;
import dev.kvstore.node.request.RequestBudget;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/**
 * The gRPC adapter of the Cluster service (etcd's {@code Cluster}): membership changes and
 * leadership moves need the role root while authentication is on (as {@code Maintenance.Snapshot});
 * the member list needs only a signed-in caller. Everything else is {@link ClusterRequests}.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {

  private final ClusterRequests requests;
  private final RequestBudget budget;
  private final Permissions permissions;

  /** @param budget how long a change may take: adding a member waits until it has caught up */
  public ClusterService(ClusterRequests requests, RequestBudget budget, Permissions permissions) {
    this.requests = requests;
    this.budget = budget;
    this.permissions = permissions;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    UnaryAnswers.answer(requests::memberList, request, budget, out);
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
    if (rootAllowed("adding a member", out)) {
      UnaryAnswers.answer(requests::memberAdd, request, budget, out);
    }
  }

  @Override
  public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> out) {
    if (rootAllowed("promoting a member", out)) {
      UnaryAnswers.answer(requests::memberPromote, request, budget, out);
    }
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> out) {
    if (rootAllowed("removing a member", out)) {
      UnaryAnswers.answer(requests::memberRemove, request, budget, out);
    }
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    if (rootAllowed("moving the leader", out)) {
      UnaryAnswers.answer(requests::moveLeader, request, budget, out);
    }
  }

  private boolean rootAllowed(String what, StreamObserver<?> out) {
    Optional<StatusRuntimeException> denied = permissions.adminDenied(CallerIdentity.current(), what);
    denied.ifPresent(out::onError);
    return denied.isEmpty();
  }
}
