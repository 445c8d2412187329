package dev.kvstore.client;

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

/**
 * The unary RPCs of the Cluster service as started {@link FailoverCall}s. The list is a maintenance
 * read; each change is one attempt at a time with all the time the call has left
 * ({@link CallKind#SNAPSHOT}), because adding a member waits until it has caught up.
 */
final class ClusterCalls {

  private final EndpointRotation rotation;
  private final FailoverCaller caller;

  ClusterCalls(EndpointRotation rotation, FailoverCaller caller) {
    this.rotation = rotation;
    this.caller = caller;
  }

  FailoverCaller caller() {
    return caller;
  }

  FailoverCall<MemberListRequest, MemberListResponse> memberList() {
    return caller.start(rotation, ClusterGrpc.getMemberListMethod(), MemberListRequest.getDefaultInstance(),
        CallKind.MAINTENANCE, MemberListResponse::getHeader);
  }

  FailoverCall<MemberAddRequest, MemberAddResponse> memberAdd(MemberAddRequest request) {
    return caller.start(rotation, ClusterGrpc.getMemberAddMethod(), request, CallKind.SNAPSHOT,
        MemberAddResponse::getHeader);
  }

  FailoverCall<MemberPromoteRequest, MemberPromoteResponse> memberPromote(String id) {
    return caller.start(rotation, ClusterGrpc.getMemberPromoteMethod(),
        MemberPromoteRequest.newBuilder().setId(id).build(), CallKind.SNAPSHOT, MemberPromoteResponse::getHeader);
  }

  FailoverCall<MemberRemoveRequest, MemberRemoveResponse> memberRemove(String id) {
    return caller.start(rotation, ClusterGrpc.getMemberRemoveMethod(),
        MemberRemoveRequest.newBuilder().setId(id).build(), CallKind.SNAPSHOT, MemberRemoveResponse::getHeader);
  }

  FailoverCall<MoveLeaderRequest, MoveLeaderResponse> moveLeader(String targetId) {
    return caller.start(rotation, ClusterGrpc.getMoveLeaderMethod(),
        MoveLeaderRequest.newBuilder().setTargetId(targetId).build(), CallKind.SNAPSHOT, MoveLeaderResponse::getHeader);
  }
}
