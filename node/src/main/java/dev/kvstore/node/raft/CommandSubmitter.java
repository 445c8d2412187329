package dev.kvstore.node.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandBatch;
import dev.kvstore.statemachine.proto.CommandResult;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends commands through Raft to the leader this node knows and hands back their applied results.
 * Ratis has no forwarding from followers, so this node addresses each command itself: to its own
 * Raft server, in-process, when it leads (no network hop, no serialisation of the reply); else to
 * the leader it follows, over its client port ({@link PeerConnections}).
 *
 * <p>Every command keeps one Ratis call id for all its attempts, so Ratis's retry cache answers a
 * resend with the first result, and every command that changes the store carries a request id (this
 * node assigns one when the client did not), so the state machine applies it once even when a
 * resend makes it into the log twice (after a leader change, the new leader may hold an
 * uncommitted copy it has not applied).
 *
 * <p>A command waits for no timeout of its attempts when the leader changes: as soon as this node
 * learns of a new leader ({@link #leaderChanged}), every command in flight is sent there too, and
 * the first answer wins. A leader that is paused or cut off still accepts connections and would
 * otherwise hold each command for a whole Ratis request timeout.
 *
 * <p>Commands are proposed in batches, one log entry each ({@code CommandBatch}), as a group commit:
 * while fewer than {@link #MAX_BATCHES_IN_FLIGHT} batches are on their way, a command leaves at
 * once (a lone client pays no wait); beyond that, commands gather until a batch is answered and
 * leave together. Every command in a batch is applied as if alone (its own revision, request id
 * and result), so batching changes only what a commit costs: Ratis's per-entry work (retry cache,
 * transaction, log record, replication, apply call, reply) and, on a follower, one round trip to
 * the leader are shared by the whole batch.
 */
public final class CommandSubmitter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandSubmitter.class);
  /** Pause before asking again when no leader is known or the leader is not ready yet, in ms. */
  private static final long RETRY_DELAY_MS = 20;
  /**
   * Batches proposed and not yet answered, per node. More overlap one batch's replication with the
   * next one's log write; fewer make bigger batches. With 4, a lone client never waits and 64
   * clients make batches of about 16.
   */
  static final int MAX_BATCHES_IN_FLIGHT = 4;
  /** Most commands in one batch: bounds the time one log entry holds the apply thread. */
  static final int MAX_BATCH_COMMANDS = 512;
  /**
   * Most command bytes in one batch, unless a single command is larger: a log entry must fit Ratis's
   * append buffer ({@link RaftSettings#APPEND_BUFFER_BYTES}), and no command exceeds this.
   */
  static final int MAX_BATCH_BYTES = RequestLimits.MAX_REQUEST_BYTES;

  private final LocalMember member;
  private final PeerConnections peers;
  private final ScheduledExecutorService scheduler;
  private final Executor raftCalls;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final ByteString nodeRequestClient;
  private final AtomicLong nodeRequestSequence = new AtomicLong();
  private final Set<Submission> inFlight = ConcurrentHashMap.newKeySet();
  /** Commands waiting for a batch; guarded by itself, as is {@link #batchesInFlight}. */
  private final Deque<Proposal> waiting = new ArrayDeque<>();
  private int batchesInFlight;

  /**
   * @param raftCalls where calls into Ratis and the handling of their answers run: Ratis can block a
   *                  caller (a full queue, a connection being replaced), and answers arrive on
   *                  transport threads that must not do our work
   */
  public CommandSubmitter(LocalMember member, PeerConnections peers, ScheduledExecutorService scheduler,
      Executor raftCalls) {
    this.member = member;
    this.peers = peers;
    this.scheduler = scheduler;
    this.raftCalls = raftCalls;
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    this.nodeRequestClient = ByteString.copyFrom(random);
  }

  /**
   * Completes with the command's result once the leader has applied it, or exceptionally (see
   * {@link RaftFailures}): with the state machine's refusal, or with a TimeoutException after
   * {@code timeout}. The deadline is armed before Ratis is called, because calling it can block.
   */
  public CompletableFuture<Applied> submit(Command command, Duration timeout) {
    // A read barrier changes nothing, so applying it twice is harmless: it needs no id (and would
    // only crowd client ids out of the bounded table of remembered requests).
    boolean needsId = !command.hasRequestId() && command.getOpCase() != Command.OpCase.READ_BARRIER;
    Command identified = !needsId ? command : command.toBuilder()
        .setRequestId(ClientRequestId.newBuilder()
            .setClientId(nodeRequestClient)
            .setSequence(nodeRequestSequence.incrementAndGet()))
        .build();
    Proposal proposal = new Proposal(identified, timeout);
    synchronized (waiting) {
      waiting.add(proposal);
    }
    dispatch();
    return proposal.applied;
  }

  /** Proposes what is waiting, as long as fewer than {@link #MAX_BATCHES_IN_FLIGHT} batches are out. */
  private void dispatch() {
    List<List<Proposal>> ready = new ArrayList<>();
    synchronized (waiting) {
      while (batchesInFlight < MAX_BATCHES_IN_FLIGHT && !waiting.isEmpty()) {
        List<Proposal> batch = new ArrayList<>();
        long bytes = 0;
        while (!waiting.isEmpty() && batch.size() < MAX_BATCH_COMMANDS) {
          Proposal next = waiting.peek();
          if (!batch.isEmpty() && bytes + next.bytes > MAX_BATCH_BYTES) {
            break;
          }
          waiting.poll();
          // One that timed out while waiting is not proposed at all: it was definitely not applied.
          if (!next.applied.isDone()) {
            batch.add(next);
            bytes += next.bytes;
          }
        }
        if (!batch.isEmpty()) {
          batchesInFlight++;
          ready.add(batch);
        }
      }
    }
    ready.forEach(this::propose);
  }

  private void propose(List<Proposal> batch) {
    CommandBatch.Builder commands = CommandBatch.newBuilder();
    long longestNanos = 0;
    long now = System.nanoTime();
    for (Proposal proposal : batch) {
      commands.addCommands(proposal.command);
      longestNanos = Math.max(longestNanos, proposal.deadline - now);
    }
    Command entry = Command.newBuilder().setBatch(commands).build();
    Submission submission = new Submission(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry.toByteArray())),
        callIds.incrementAndGet(), Duration.ofNanos(Math.max(1, longestNanos)));
    inFlight.add(submission);
    submission.reply.whenComplete((reply, error) -> {
      inFlight.remove(submission);
      answer(batch, reply, error);
      synchronized (waiting) {
        batchesInFlight--;
      }
      dispatch();
    });
    raftCalls.execute(submission::sendToLeader);
  }

  /** Hands each command of an answered batch its own result, in the order they were batched. */
  private static void answer(List<Proposal> batch, RaftClientReply reply, Throwable error) {
    if (error != null) {
      batch.forEach(proposal -> proposal.applied.completeExceptionally(error));
      return;
    }
    List<CommandResult> results;
    try {
      results = resultOf(reply).getBatchList();
    } catch (CompletionException e) {
      batch.forEach(proposal -> proposal.applied.completeExceptionally(e));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      Proposal proposal = batch.get(i);
      if (i < results.size()) {
        proposal.applied.complete(new Applied(results.get(i), reply.getLogIndex()));
      } else {
        proposal.applied.completeExceptionally(new IOException("the batch's result holds " + results.size()
            + " results for " + batch.size() + " commands"));
      }
    }
  }

  /** Batches (log entries) proposed through Raft and not answered yet; for the metrics. */
  public int proposalsInFlight() {
    return inFlight.size();
  }

  /** Commands waiting for a batch to leave in; for the metrics. */
  public int commandsQueued() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  /**
   * Tells the submitter that this node now knows {@code leaderId} as leader: every command in
   * flight that was last sent elsewhere is sent there at once.
   */
  public void leaderChanged(String leaderId) {
    RaftPeerId leader = RaftPeerId.valueOf(leaderId);
    int resent = 0;
    for (Submission submission : inFlight) {
      if (!leader.equals(submission.target)) {
        resent++;
        raftCalls.execute(() -> submission.send(leader));
      }
    }
    if (resent > 0) {
      LOG.info("{}: leader is now {} (term {}): sending {} commands in flight there", member.id(), leaderId,
          member.term(), resent);
    }
  }

  /**
   * A command's result and the log index of its entry.
   *
   * @param result   what applying the command produced
   * @param logIndex where the command sits in the Raft log
   */
  public record Applied(CommandResult result, long logIndex) {}

  /** One command waiting for, or travelling in, a batch. */
  private static final class Proposal {
    final Command command;
    final int bytes;
    final long deadline;
    final CompletableFuture<Applied> applied;

    Proposal(Command command, Duration timeout) {
      this.command = command;
      this.bytes = command.getSerializedSize();
      this.deadline = System.nanoTime() + timeout.toNanos();
      this.applied = new CompletableFuture<Applied>().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** One batch on its way through Raft, over as many attempts as it takes. */
  private final class Submission {

    final Message message;
    final long callId;
    final CompletableFuture<RaftClientReply> reply;
    /** The peer the latest attempt went to; answers of earlier attempts count only if they succeed. */
    volatile RaftPeerId target;
    /**
     * Peers an attempt is waiting at. Ratis refuses a second request with the same call id on a
     * connection while the first is pending, and the first one's answer will decide anyway.
     */
    final Set<RaftPeerId> waitingAt = ConcurrentHashMap.newKeySet();

    Submission(Message message, long callId, Duration timeout) {
      this.message = message;
      this.callId = callId;
      this.reply = new CompletableFuture<RaftClientReply>().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void sendToLeader() {
      Optional<RaftPeerId> leader = knownLeader();
      if (leader.isPresent()) {
        send(leader.get());
      } else {
        // No leader: an election is on. leaderChanged sends it as soon as one is known; this is
        // the fallback should that notice be missed.
        target = null;
        retryLater();
      }
    }

    void send(RaftPeerId to) {
      if (reply.isDone()) {
        return;
      }
      target = to;
      if (!waitingAt.add(to)) {
        return;
      }
      RaftClientRequest request = RaftClientRequest.newBuilder()
          .setClientId(clientId)
          .setServerId(to)
          .setGroupId(member.groupId())
          .setCallId(callId)
          .setMessage(message)
          .setType(RaftClientRequest.writeRequestType())
          .build();
      if (to.equals(member.peerId())) {
        CompletableFuture<RaftClientReply> local;
        try {
          local = member.submit(request);
        } catch (IOException | RuntimeException e) {
          local = CompletableFuture.failedFuture(e);
        }
        local.whenCompleteAsync((r, e) -> answered(to, -1, r, e), raftCalls);
      } else {
        PeerConnections.Sent sent = peers.send(request);
        sent.reply().whenCompleteAsync((r, e) -> answered(to, sent.generation(), r, e), raftCalls);
      }
    }

    /** @param generation the connection generation a remote attempt used; -1 for a local one */
    private void answered(RaftPeerId from, long generation, RaftClientReply r, Throwable error) {
      waitingAt.remove(from);
      if (reply.isDone()) {
        return;
      }
      Throwable failure = error != null ? RaftFailures.unwrap(error) : r.isSuccess() ? null : r.getException();
      if (failure == null) {
        reply.complete(r);
        return;
      }
      boolean local = generation < 0;
      if (failure instanceof StateMachineException || (local && !member.isRunning())) {
        // The state machine refused the command, or this node is stopping: final answers.
        reply.completeExceptionally(failure);
        return;
      }
      if (!local) {
        peers.failed(from, generation, failure);
      }
      if (!from.equals(target)) {
        return;
      }
      LOG.debug("{}: call {} to {} failed: {}", member.id(), callId, from, failure.toString());
      RaftPeerId next = failure instanceof NotLeaderException nle && nle.getSuggestedLeader() != null
          ? nle.getSuggestedLeader().getId()
          : knownLeader().orElse(null);
      if (next != null && !next.equals(from) && !(failure instanceof LeaderNotReadyException)) {
        send(next);
      } else {
        retryLater();
      }
    }

    private void retryLater() {
      scheduler.schedule(() -> raftCalls.execute(this::sendToLeader), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }

  private Optional<RaftPeerId> knownLeader() {
    if (!member.isRunning()) {
      return Optional.empty();
    }
    return member.leaderId().map(RaftPeerId::valueOf);
  }

  private static CommandResult resultOf(RaftClientReply reply) {
    try {
      return CommandResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new CompletionException(new IOException("unreadable command result", e));
    }
  }

  /** Fails the commands still in flight or waiting: this node is stopping. */
  @Override
  public void close() {
    AlreadyClosedException closing = new AlreadyClosedException("node " + member.id() + " is shutting down");
    inFlight.forEach(submission -> submission.reply.completeExceptionally(closing));
    synchronized (waiting) {
      waiting.forEach(proposal -> proposal.applied.completeExceptionally(closing));
      waiting.clear();
    }
  }
}
