package dev.kvstore.node.request;

import dev.kvstore.api.Member;
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
import dev.kvstore.node.raft.LocalMember;
import dev.kvstore.node.raft.MembershipAdmin;
import dev.kvstore.node.raft.MembershipAdmin.LeaderProgress;
import dev.kvstore.node.raft.Membership;
import dev.kvstore.node.raft.PeerList;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterRequests} over Ratis: checks each change against the live configuration and what
 * the leader knows of its followers, then has the leader make it with a compare-and-set of the
 * configuration ({@link MembershipAdmin}), so a change prepared against a configuration that
 * another change replaced meanwhile is refused rather than undoing it. Ratis itself refuses a
 * change while another is under way; both become FAILED_PRECONDITION. The Ratis calls block, and
 * run on the executor given.
 */
public final class RaftMembership implements ClusterRequests {

  private static final Logger LOG = LoggerFactory.getLogger(RaftMembership.class);
  /** Longest a change waits, once committed, for the answering node to hold the new configuration. */
  private static final long LOCAL_CONFIGURATION_WAIT_MS = 2_000;
  /** How long to wait before asking a just-elected leader again, in ns. */
  private static final long LEADER_READY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How long a change keeps asking a leader that is not ready, in ns: a few election timeouts. */
  private static final long LEADER_READY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

  private final LocalMember member;
  private final MembershipAdmin admin;
  private final ResponseHeaders headers;
  private final Executor blockingCalls;
  private final long maxPromoteLag;
  private final Duration maxSilence;

  /**
   * @param maxPromoteLag   most log entries a learner's commit index may be behind the leader's to be promoted
   * @param electionTimeout the members' election timeout: a learner the leader has not heard from in
   *                        two is not caught up, and neither counts as a reachable voter
   */
  public RaftMembership(LocalMember member, MembershipAdmin admin, ResponseHeaders headers, Executor blockingCalls,
      long maxPromoteLag, Duration electionTimeout) {
    this.member = member;
    this.admin = admin;
    this.headers = headers;
    this.blockingCalls = blockingCalls;
    this.maxPromoteLag = maxPromoteLag;
    this.maxSilence = electionTimeout.multipliedBy(2);
  }

  @Override
  public CompletableFuture<MemberListResponse> memberList(MemberListRequest request, RequestContext ctx) {
    try {
      Membership now = member.membership();
      return CompletableFuture.completedFuture(MemberListResponse.newBuilder()
          .setHeader(headers.current())
          .addAllMembers(toApi(now.members()))
          .setConfigurationIndex(now.index())
          .setChanging(now.changing())
          .build());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(Status.UNAVAILABLE
          .withDescription("node " + member.id() + " cannot read its Raft configuration: " + e.getMessage())
          .asRuntimeException());
    }
  }

  @Override
  public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request, RequestContext ctx) {
    return blocking(() -> {
      String id = request.getId();
      if (!PeerList.NODE_ID.matcher(id).matches()) {
        throw invalid("member id '" + id + "' is invalid: use 1-63 letters, digits, '.', '_' or '-', starting with a"
            + " letter or digit");
      }
      String raftAddress = address("raft_address", id, request.getRaftAddress(), true);
      String clientAddress = address("client_address", id, request.getClientAddress(), false);
      String leader = leader();
      Membership now = stable();
      for (Membership.Member m : now.members()) {
        if (m.id().equals(id)) {
          throw Status.ALREADY_EXISTS.withDescription("member id '" + id + "' is already in use (" + describe(m)
              + "); choose another id, or remove that member first").asRuntimeException();
        }
        for (String address : List.of(raftAddress, clientAddress)) {
          if (!address.isEmpty() && (address.equals(m.raftAddress()) || address.equals(m.clientAddress()))) {
            throw Status.ALREADY_EXISTS.withDescription("address " + address + " is already in use by member "
                + describe(m)).asRuntimeException();
          }
        }
      }
      Membership.Member added = new Membership.Member(id, raftAddress, clientAddress, true);
      List<Membership.Member> next = new ArrayList<>(now.members());
      next.add(added);
      change(leader, now, next, ctx, "adding learner " + describe(added));
      return MemberAddResponse.newBuilder()
          .setHeader(headers.current())
          .setMember(toApi(added))
          .addAllMembers(toApi(member.membership().members()))
          .build();
    });
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request, RequestContext ctx) {
    return blocking(() -> {
      String leader = leader();
      Membership now = stable();
      Membership.Member learner = existing(now, request.getId());
      if (!learner.learner()) {
        throw Status.FAILED_PRECONDITION.withDescription("member " + learner.id() + " is already a voter")
            .asRuntimeException();
      }
      LeaderProgress progress = progress(leader, ctx);
      long commit = progress.commitIndexes().getOrDefault(learner.id(), -1L);
      Long silence = progress.silenceMs().get(learner.id());
      if (commit < 0 || silence == null) {
        throw Status.FAILED_PRECONDITION.withDescription("learner " + learner.id() + " is not caught up: it has not"
            + " answered leader " + leader + " yet (is it running, with --initial-cluster-state existing?)")
            .asRuntimeException();
      }
      if (silence > maxSilence.toMillis()) {
        throw Status.FAILED_PRECONDITION.withDescription("learner " + learner.id() + " is not caught up: leader "
            + leader + " has not heard from it for " + silence + " ms (at most " + maxSilence.toMillis()
            + " ms allowed); is it running?").asRuntimeException();
      }
      long gap = progress.commitIndex() - commit;
      if (gap > maxPromoteLag) {
        throw Status.FAILED_PRECONDITION.withDescription("learner " + learner.id() + " is not caught up: its commit"
            + " index " + commit + " is " + gap + " entries behind leader " + leader + "'s " + progress.commitIndex()
            + " (at most " + maxPromoteLag + " allowed); wait for it to catch up and retry").asRuntimeException();
      }
      List<Membership.Member> next = now.members().stream()
          .map(m -> m.id().equals(learner.id()) ? m.asVoter() : m)
          .toList();
      change(leader, now, next, ctx, "promoting learner " + learner.id() + " (" + gap + " entries behind)");
      return MemberPromoteResponse.newBuilder()
          .setHeader(headers.current())
          .addAllMembers(toApi(member.membership().members()))
          .build();
    });
  }

  @Override
  public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request, RequestContext ctx) {
    return blocking(() -> {
      String leader = leader();
      Membership now = stable();
      Membership.Member removed = existing(now, request.getId());
      if (!removed.learner()) {
        checkQuorumWithout(removed, now, leader, ctx);
      }
      List<Membership.Member> next = now.members().stream().filter(m -> !m.id().equals(removed.id())).toList();
      change(leader, now, next, ctx, "removing " + describe(removed));
      return MemberRemoveResponse.newBuilder()
          .setHeader(headers.current())
          .addAllMembers(toApi(member.membership().members()))
          .build();
    });
  }

  /**
   * Refuses to remove voter {@code removed} when it is the last voter, or when the voters that stay
   * and answer the leader (the leader itself and those it heard from lately) are not a majority of
   * the current voters: the change could then not be committed (joint consensus needs a majority of
   * the old voters and of the new), and the cluster would be left without a quorum.
   */
  private void checkQuorumWithout(Membership.Member removed, Membership now, String leader, RequestContext ctx) {
    List<Membership.Member> voters = now.voters();
    if (voters.size() == 1) {
      throw Status.FAILED_PRECONDITION.withDescription("member " + removed.id() + " is the last voter: removing it"
          + " would leave no one to elect a leader; add and promote another member first").asRuntimeException();
    }
    LeaderProgress progress = progress(leader, ctx);
    List<String> reachableRemaining = voters.stream()
        .map(Membership.Member::id)
        .filter(id -> !id.equals(removed.id()))
        .filter(id -> id.equals(leader) || progress.silenceMs().getOrDefault(id, Long.MAX_VALUE) <= maxSilence.toMillis())
        .toList();
    int majority = voters.size() / 2 + 1;
    if (reachableRemaining.size() < majority) {
      throw Status.FAILED_PRECONDITION.withDescription("removing voter " + removed.id() + " would lose quorum: of the "
          + voters.size() + " voters, " + majority + " must stay and answer the leader, but only "
          + reachableRemaining.size() + " would " + reachableRemaining + "; bring the others back first")
          .asRuntimeException();
    }
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request, RequestContext ctx) {
    return blocking(() -> {
      String leader = leader();
      Membership.Member target = existing(member.membership(), request.getTargetId());
      if (target.learner()) {
        throw Status.FAILED_PRECONDITION.withDescription("member " + target.id() + " is a learner and cannot lead;"
            + " promote it first").asRuntimeException();
      }
      if (!target.id().equals(leader)) {
        try {
          admin.transferLeadership(leader, target.id(), ctx.timeout());
        } catch (IOException e) {
          throw ratisRefusal(e, "moving leadership from " + leader + " to " + target.id(), ctx);
        }
        LOG.info("{}: leadership moved from {} to {}", member.id(), leader, target.id());
      }
      return MoveLeaderResponse.newBuilder().setHeader(headers.current()).build();
    });
  }

  private void change(String leader, Membership now, List<Membership.Member> next, RequestContext ctx, String what) {
    LOG.info("{}: {} (configuration at index {}, leader {})", member.id(), what, now.index(), leader);
    long deadline = System.nanoTime() + ctx.timeout().toNanos();
    long notReadyUntil = System.nanoTime() + LEADER_READY_WAIT_NANOS;
    while (true) {
      try {
        admin.change(leader, now, next, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        break;
      } catch (IOException e) {
        // A leader elected a moment ago (e.g. by a move-leader just before) takes no change until it
        // has committed an entry of its term; it did not look at this one, and the change is a
        // compare-and-set, so asking again is safe. Only for a short while: a leader that lost its
        // leadership meanwhile answers the same, and the caller should find the new one.
        long t = System.nanoTime();
        if (!leaderNotReady(e) || t + LEADER_READY_POLL_NANOS >= Math.min(deadline, notReadyUntil)) {
          throw ratisRefusal(e, what, ctx);
        }
        LOG.info("{}: leader {} is not ready yet (just elected); asking again", member.id(), leader);
        try {
          TimeUnit.NANOSECONDS.sleep(LEADER_READY_POLL_NANOS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw ratisRefusal(e, what, ctx);
        }
      }
    }
    LOG.info("{}: done {}", member.id(), what);
    awaitLocally(next);
  }

  /**
   * Waits a little (at most {@link #LOCAL_CONFIGURATION_WAIT_MS}) until this node's configuration
   * is {@code next}, so that the members a change answers with include it: the leader committed the
   * change, and a follower learns of it with the leader's next append.
   */
  private void awaitLocally(List<Membership.Member> next) {
    long deadline = System.nanoTime() + LOCAL_CONFIGURATION_WAIT_MS * 1_000_000;
    while (!sameMembers(member.membership().members(), next) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean sameMembers(List<Membership.Member> a, List<Membership.Member> b) {
    return a.stream().map(m -> m.id() + (m.learner() ? "/learner" : "")).sorted().toList()
        .equals(b.stream().map(m -> m.id() + (m.learner() ? "/learner" : "")).sorted().toList());
  }

  private LeaderProgress progress(String leader, RequestContext ctx) {
    try {
      return admin.leaderProgress(leader, ctx.timeout());
    } catch (IOException e) {
      throw ratisRefusal(e, "asking leader " + leader + " for its followers' progress", ctx);
    }
  }

  /**
   * Whether Ratis refused because the leader has not committed an entry of its term yet (or is no
   * longer the leader). The admin client does not retry, and Ratis 3.3.0's blocking client then
   * drops the reason: one attempt whose reply was a leader exception ends in a
   * {@link RaftRetryFailureException} with no cause (seen in MembershipTest right after a move-leader).
   */
  private static boolean leaderNotReady(IOException e) {
    Throwable cause = RaftFailures.unwrap(e);
    if (cause instanceof RaftRetryFailureException && cause.getCause() == null) {
      return true;
    }
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof LeaderNotReadyException) {
        return true;
      }
    }
    return false;
  }

  /** The status for what Ratis answered to {@code what}. */
  private StatusRuntimeException ratisRefusal(IOException e, String what, RequestContext ctx) {
    Throwable cause = RaftFailures.unwrap(e);
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    LOG.info("{}: {} failed: {}", member.id(), what, cause.toString());
    if (cause instanceof ReconfigurationInProgressException) {
      return Status.FAILED_PRECONDITION.withDescription(what + " refused: another membership change is under way"
          + " (one change at a time); wait until it ends (kvstore member list) and retry").asRuntimeException();
    }
    if (cause instanceof ReconfigurationTimeoutException) {
      return Status.FAILED_PRECONDITION.withDescription(what + " refused: the leader could not catch the new member"
          + " up (" + message + "); start the node first, with --initial-cluster-state existing, check that the"
          + " leader can reach its Raft address, and retry").asRuntimeException();
    }
    if (cause instanceof SetConfigurationException) {
      return Status.FAILED_PRECONDITION.withDescription(what + " refused: " + message
          + " (a member being added must be running and answer the leader; a concurrent change makes this one fail)")
          .asRuntimeException();
    }
    if (cause instanceof TransferLeadershipException) {
      return Status.FAILED_PRECONDITION.withDescription(what + " failed: " + message).asRuntimeException();
    }
    if (cause instanceof NotLeaderException || cause instanceof LeaderNotReadyException) {
      return Status.UNAVAILABLE.withDescription(what + " failed: the leader changed meanwhile; retry")
          .asRuntimeException();
    }
    if (RaftFailures.isTimeout(cause)) {
      return Status.UNAVAILABLE.withDescription(what + " did not complete within " + ctx.timeout().toMillis()
          + " ms; it may still complete: check kvstore member list before retrying").asRuntimeException();
    }
    return Status.UNAVAILABLE.withDescription(what + " failed: " + cause).asRuntimeException();
  }

  private String leader() {
    return member.leaderId().orElseThrow(() -> Status.UNAVAILABLE.withDescription("node " + member.id()
        + " knows no leader (an election is under way, or it is not a member yet); retry").asRuntimeException());
  }

  /** The live configuration, refused while a change is under way. */
  private Membership stable() {
    Membership now = member.membership();
    if (now.changing()) {
      throw Status.FAILED_PRECONDITION.withDescription("another membership change is under way (configuration at"
          + " index " + now.index() + " is in joint consensus); one change at a time: retry once it ends")
          .asRuntimeException();
    }
    return now;
  }

  private static Membership.Member existing(Membership now, String id) {
    return now.find(id).orElseThrow(() -> Status.NOT_FOUND.withDescription("no member '" + id + "'; members: "
        + String.join(", ", now.members().stream().map(Membership.Member::id).toList())).asRuntimeException());
  }

  /** {@code raw} checked as HOST:PORT ({@code [IPv6]:PORT} allowed); empty if optional and not given. */
  private static String address(String field, String id, String raw, boolean required) {
    if (raw.isEmpty()) {
      if (required) {
        throw invalid(field + " is required: HOST:PORT, e.g. 127.0.0.1:7004");
      }
      return "";
    }
    try {
      if (raw.contains("/") || raw.contains(",")) {
        throw new IllegalArgumentException("not one address");
      }
      return PeerList.parse(id + "=" + raw).get(0).address();
    } catch (IllegalArgumentException e) {
      throw invalid(field + " '" + raw + "' is not HOST:PORT (e.g. 127.0.0.1:7004, ports 1-65535)");
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  private static String describe(Membership.Member m) {
    return m.id() + " at " + m.raftAddress() + (m.learner() ? ", learner" : ", voter");
  }

  static Member toApi(Membership.Member m) {
    return Member.newBuilder()
        .setId(m.id())
        .setRaftAddress(m.raftAddress())
        .setClientAddress(m.clientAddress())
        .setIsLearner(m.learner())
        .build();
  }

  private static List<Member> toApi(List<Membership.Member> members) {
    return members.stream().map(RaftMembership::toApi).toList();
  }

  private <T> CompletableFuture<T> blocking(Supplier<T> step) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return step.get();
      } catch (StatusRuntimeException e) {
        throw new CompletionException(e);
      } catch (RuntimeException e) {
        throw new CompletionException(Status.INTERNAL.withDescription("membership request failed on node "
            + member.id() + ": " + e).withCause(e).asRuntimeException());
      }
    }, blockingCalls);
  }
}
