package dev.kvstore.node.api;

import dev.kvstore.api.BackupRequest;
import dev.kvstore.api.BackupResponse;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.SnapshotResponse;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.raft.LocalMember;
import dev.kvstore.node.raft.OnDemandSnapshot;
import dev.kvstore.node.raft.PeerAdminClients;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.node.request.ResponseHeaders;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Cluster status (every member's role, term and log progress, asked of each member over Raft's
 * admin RPC in parallel), on-demand snapshots (written beside the apply thread: see
 * {@link OnDemandSnapshot}) and backups (streamed by {@link BackupStream}).
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);
  /** How long a snapshot on demand may take, all rounds together (a million keys take seconds). */
  static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(60);

  /** The live configuration: members added or removed since the start show (or go) at once. */
  private final Supplier<RaftGroup> group;
  private final LocalMember member;
  private final PeerAdminClients admin;
  private final ResponseHeaders headers;
  private final ExecutorService blockingCalls;
  private final OnDemandSnapshot snapshots;
  private final BackupStream backups;
  /** Snapshots and backups need the root role once authentication is on; status needs only a signed-in caller. */
  private final Permissions permissions;

  /** Asks peers through {@code admin}; blocking Ratis calls run on {@code blockingCalls}. */
  public MaintenanceService(Supplier<RaftGroup> group, LocalMember member, PeerAdminClients admin, ResponseHeaders headers,
      ExecutorService blockingCalls, OnDemandSnapshot snapshots, BackupStream backups, Permissions permissions) {
    this.group = group;
    this.permissions = permissions;
    this.member = member;
    this.admin = admin;
    this.headers = headers;
    this.blockingCalls = blockingCalls;
    this.snapshots = snapshots;
    this.backups = backups;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    List<CompletableFuture<MemberStatus>> members = new ArrayList<>();
    RaftGroup group = this.group.get();
    for (RaftPeer peer : group.getPeers()) {
      members.add(peer.getId().equals(member.peerId())
          ? CompletableFuture.completedFuture(localStatus(peer))
          : CompletableFuture.supplyAsync(() -> remoteStatus(peer), blockingCalls)
              .completeOnTimeout(unreachable(peer, "no answer within " + PEER_TIMEOUT.toSeconds() + "s"),
                  PEER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }
    CompletableFuture.allOf(members.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
      StatusResponse.Builder response = StatusResponse.newBuilder()
          .setHeader(headers.current())
          .setClusterId(group.getGroupId().getUuid().toString());
      members.forEach(m -> response.addMembers(m.join()));
      out.onNext(response.build());
      out.onCompleted();
    });
  }

  private MemberStatus localStatus(RaftPeer peer) {
    try {
      return MemberStatus.newBuilder()
          .setId(peer.getId().toString())
          .setRaftAddress(peer.getAddress())
          .setReachable(true)
          .setRole(member.role())
          .setTerm(member.term())
          .setLeaderId(member.leaderId().orElse(""))
          .setCommitIndex(member.commitIndex())
          .setAppliedIndex(member.appliedIndex())
          .setSnapshotIndex(member.snapshotIndex())
          .build();
    } catch (RuntimeException e) {
      return unreachable(peer, e.getMessage());
    }
  }

  private MemberStatus remoteStatus(RaftPeer peer) {
    try {
      GroupInfoReply info = admin.forPeer(peer.getId()).getGroupManagementApi(peer.getId()).info(group.get().getGroupId());
      RoleInfoProto role = info.getRoleInfoProto();
      LogInfoProto log = info.getLogInfoProto();
      MemberStatus.Builder status = MemberStatus.newBuilder()
          .setId(peer.getId().toString())
          .setRaftAddress(peer.getAddress())
          .setReachable(true)
          .setRole(LocalMember.toRole(role.getRole()))
          .setCommitIndex(log.getCommitted().getIndex())
          .setAppliedIndex(log.getApplied().getIndex())
          .setSnapshotIndex(log.hasLastSnapshot() ? log.getLastSnapshot().getIndex() : -1);
      // Ratis reports the current term only for leaders; others report their last entry's term.
      if (role.hasLeaderInfo()) {
        status.setTerm(role.getLeaderInfo().getTerm()).setLeaderId(peer.getId().toString());
      } else {
        status.setTerm(log.getLastEntry().getTerm());
        if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
          status.setLeaderId(role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8());
        }
      }
      return status.build();
    } catch (Exception e) {
      return unreachable(peer, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static MemberStatus unreachable(RaftPeer peer, String why) {
    return MemberStatus.newBuilder()
        .setId(peer.getId().toString())
        .setRaftAddress(peer.getAddress())
        .setReachable(false)
        .setRole(MemberRole.ROLE_UNKNOWN)
        .setSnapshotIndex(-1)
        .setError(why == null ? "unknown error" : why)
        .build();
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    Optional<StatusRuntimeException> denied = permissions.adminDenied(CallerIdentity.current(), "taking a snapshot");
    if (denied.isPresent()) {
      out.onError(denied.get());
      return;
    }
    CompletableFuture.supplyAsync(() -> {
      try {
        return snapshots.take(SNAPSHOT_TIMEOUT);
      } catch (IOException | TimeoutException e) {
        throw new CompletionException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      }
    }, blockingCalls).whenComplete((index, error) -> {
      if (error != null) {
        out.onError(Status.UNAVAILABLE.withDescription("snapshot on node " + member.id() + " failed: "
            + RaftFailures.unwrap(error).getMessage()).asRuntimeException());
        return;
      }
      out.onNext(SnapshotResponse.newBuilder().setHeader(headers.current()).setSnapshotIndex(index).build());
      out.onCompleted();
    });
  }

  /**
   * Streams a backup of this node's state at one revision, at or after every write acknowledged
   * before the call (see {@link BackupStream}). PERMISSION_DENIED without the root role once
   * authentication is on; UNAVAILABLE when no read barrier passes within the request time.
   */
  @Override
  public void backup(BackupRequest request, StreamObserver<BackupResponse> out) {
    Optional<StatusRuntimeException> denied = permissions.adminDenied(CallerIdentity.current(), "saving a backup");
    if (denied.isPresent()) {
      out.onError(denied.get());
      return;
    }
    backups.serve((ServerCallStreamObserver<BackupResponse>) out);
  }
}
