package dev.kvstore.node.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandBatch;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.ForwardCommandsQuery;
import dev.kvstore.statemachine.proto.ForwardedCommand;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 * Raft server, in-process, when it leads (no network hop, no serialisation of the reply); else it
 * forwards them to the leader it follows, over its client port ({@link PeerConnections}), as a
 * {@code ForwardCommandsQuery} that the leader's {@link PeerQueries} hands to the leader's own
 * submitter: forwarded commands join the leader's batches, so the cluster writes one log entry for
 * the commands that reached all its nodes instead of one per node (0.2 instead of 0.37 entries per
 * put with 64 puts in flight spread over 3 members; docs/benchmarks.md). A leader that cannot take
 * that question (an older version) gets the batch as a Raft write of this node's own, as before.
 *
 * <p>Every command that changes the store carries a request id (this node assigns one when the
 * client did not), so the state machine applies it once even when a resend makes it into the log
 * twice (a forward sent again, or, after a leader change, a new leader holding an uncommitted copy
 * it has not applied), and answers the resend with the first result. A batch also keeps one Ratis
 * call id for all its attempts, so Ratis's retry cache answers a resent write entry.
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
  /** How long this node proposes its own log entries at a peer that refused a forward before asking again, in ns. */
  private static final long FORWARDS_REFUSED_NANOS = TimeUnit.SECONDS.toNanos(30);
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
  /** Peers that refused a forward, and when (System.nanoTime()): see {@link #takesForwards}. */
  private final Map<RaftPeerId, Long> forwardsRefusedAt = new ConcurrentHashMap<>();
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
    return submitAll(List.of(command), timeout).get(0);
  }

  /**
   * Submits {@code commands} together, each as {@link #submit} would: they wait for a batch side by
   * side (a follower's forwarded commands, {@link PeerQueries}), and each completes on its own.
   */
  public List<CompletableFuture<Applied>> submitAll(List<Command> commands, Duration timeout) {
    List<Proposal> proposals = new ArrayList<>(commands.size());
    for (Command command : commands) {
      proposals.add(new Proposal(identified(command), timeout));
    }
    synchronized (waiting) {
      waiting.addAll(proposals);
    }
    dispatch();
    return proposals.stream().map(proposal -> proposal.applied).toList();
  }

  private Command identified(Command command) {
    // A read barrier changes nothing, so applying it twice is harmless: it needs no id (and would
    // only crowd client ids out of the bounded table of remembered requests).
    boolean needsId = !command.hasRequestId() && command.getOpCase() != Command.OpCase.READ_BARRIER;
    return !needsId ? command : command.toBuilder()
        .setRequestId(ClientRequestId.newBuilder()
            .setClientId(nodeRequestClient)
            .setSequence(nodeRequestSequence.incrementAndGet()))
        .build();
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
    long longestNanos = 0;
    long now = System.nanoTime();
    List<Command> commands = new ArrayList<>(batch.size());
    for (Proposal proposal : batch) {
      commands.add(proposal.command);
      longestNanos = Math.max(longestNanos, proposal.deadline - now);
    }
    Submission submission = new Submission(commands, callIds.incrementAndGet(), Math.max(1, longestNanos));
    inFlight.add(submission);
    submission.outcomes.whenComplete((outcomes, error) -> {
      inFlight.remove(submission);
      answer(batch, outcomes, error);
      synchronized (waiting) {
        batchesInFlight--;
      }
      dispatch();
    });
    raftCalls.execute(submission::sendToLeader);
  }

  /** Hands each command of an answered batch its own outcome, in the order they were batched. */
  private static void answer(List<Proposal> batch, List<Outcome> outcomes, Throwable error) {
    for (int i = 0; i < batch.size(); i++) {
      Proposal proposal = batch.get(i);
      if (error != null) {
        proposal.applied.completeExceptionally(error);
      } else if (outcomes.get(i).refusal() != null) {
        proposal.applied.completeExceptionally(outcomes.get(i).refusal());
      } else {
        proposal.applied.complete(outcomes.get(i).applied());
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

  /** What became of one command of a batch: applied, or refused for good by the state machine. */
  private record Outcome(Applied applied, StateMachineException refusal) {}

  /**
   * One batch on its way through Raft, over as many attempts as it takes. On the leader it is one
   * log entry of its own; a follower forwards its commands to the leader ({@link PeerQueries}),
   * which proposes them with its own, so a command that reached a follower costs the cluster no
   * log entry of its own.
   */
  private final class Submission {

    final List<Command> commands;
    final long callId;
    final long deadline;
    final CompletableFuture<List<Outcome>> outcomes;
    /** The batch as one log entry, made when first needed: a follower forwards its commands instead. */
    private Message entry;
    /** The peer the latest attempt went to; answers of earlier attempts count only if they succeed. */
    volatile RaftPeerId target;
    /**
     * Peers an attempt is waiting at. Ratis refuses a second request with the same call id on a
     * connection while the first is pending, and the first one's answer will decide anyway.
     */
    final Set<RaftPeerId> waitingAt = ConcurrentHashMap.newKeySet();

    Submission(List<Command> commands, long callId, long timeoutNanos) {
      this.commands = commands;
      this.callId = callId;
      this.deadline = System.nanoTime() + timeoutNanos;
      this.outcomes = new CompletableFuture<List<Outcome>>().orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
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
      if (outcomes.isDone()) {
        return;
      }
      target = to;
      if (!waitingAt.add(to)) {
        return;
      }
      if (to.equals(member.peerId())) {
        CompletableFuture<RaftClientReply> local;
        try {
          local = member.submit(request(to, entry(), RaftClientRequest.writeRequestType()));
        } catch (IOException | RuntimeException e) {
          local = CompletableFuture.failedFuture(e);
        }
        local.whenCompleteAsync((r, e) -> answeredWrite(to, -1, r, e), raftCalls);
      } else if (takesForwards(to)) {
        PeerConnections.Sent sent = peers.send(request(to, forwarded(), RaftClientRequest.staleReadRequestType(0)));
        sent.reply().whenCompleteAsync((r, e) -> answeredForward(to, sent.generation(), r, e), raftCalls);
      } else {
        writeAt(to);
      }
    }

    /** Proposes the batch at {@code to} as a Raft write of this node's own, for a leader that takes no forwards. */
    private void writeAt(RaftPeerId to) {
      PeerConnections.Sent sent = peers.send(request(to, entry(), RaftClientRequest.writeRequestType()));
      sent.reply().whenCompleteAsync((r, e) -> answeredWrite(to, sent.generation(), r, e), raftCalls);
    }

    private RaftClientRequest request(RaftPeerId to, Message message, RaftClientRequest.Type type) {
      return RaftClientRequest.newBuilder()
          .setClientId(clientId)
          .setServerId(to)
          .setGroupId(member.groupId())
          .setCallId(callId)
          .setMessage(message)
          .setType(type)
          .build();
    }

    private synchronized Message entry() {
      if (entry == null) {
        Command batch = Command.newBuilder().setBatch(CommandBatch.newBuilder().addAllCommands(commands)).build();
        entry = Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray()));
      }
      return entry;
    }

    /** The forward question, with what is left of this batch's time for the leader to use. */
    private Message forwarded() {
      long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      PeerQuery question = PeerQuery.newBuilder()
          .setForwardCommands(ForwardCommandsQuery.newBuilder().addAllCommands(commands).setTimeoutMs(leftMs))
          .build();
      return Message.valueOf(UnsafeByteOperations.unsafeWrap(question.toByteArray()));
    }

    /** @param generation the connection generation a remote attempt used; -1 for a local one */
    private void answeredWrite(RaftPeerId from, long generation, RaftClientReply r, Throwable error) {
      waitingAt.remove(from);
      if (outcomes.isDone()) {
        return;
      }
      Throwable failure = error != null ? RaftFailures.unwrap(error) : r.isSuccess() ? null : r.getException();
      if (failure == null) {
        try {
          outcomes.complete(outcomesOf(r));
        } catch (IOException e) {
          outcomes.completeExceptionally(e);
        }
        return;
      }
      boolean local = generation < 0;
      if (failure instanceof StateMachineException || (local && !member.isRunning())) {
        // The state machine refused the batch, or this node is stopping: final answers.
        outcomes.completeExceptionally(failure);
        return;
      }
      if (!local) {
        peers.failed(from, generation, failure);
      }
      tryAgain(from, failure);
    }

    private void answeredForward(RaftPeerId from, long generation, RaftClientReply r, Throwable error) {
      waitingAt.remove(from);
      if (outcomes.isDone()) {
        return;
      }
      Throwable failure = error != null ? RaftFailures.unwrap(error) : r.isSuccess() ? null : r.getException();
      if (failure != null) {
        // Ratis closes the whole stream when a query fails with anything but a StateMachineException.
        peers.failed(from, generation, failure);
        if (!queryRefused(failure)) {
          tryAgain(from, failure);
        } else {
          // The peer's state machine does not know the question: a version without forwarding (a
          // rolling upgrade). Its Raft server still takes the batch as a write.
          if (forwardsRefusedAt.put(from, System.nanoTime()) == null) {
            LOG.info("{}: {} takes no forwarded commands ({}): proposing this node's batches there as Raft writes"
                + " for {} s", member.id(), from, failure, TimeUnit.NANOSECONDS.toSeconds(FORWARDS_REFUSED_NANOS));
          }
          if (from.equals(target) && waitingAt.add(from)) {
            writeAt(from);
          }
        }
        return;
      }
      PeerQueryResult answer;
      try {
        answer = PeerQueryResult.parseFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        tryAgain(from, new IOException(from + " answered forwarded commands with something else", e));
        return;
      }
      if (answer.getNotLeader()) {
        tryAgain(from, new IOException(from + " does not lead (term " + answer.getTerm() + ")"));
        return;
      }
      if (answer.getForwardedCount() != commands.size()) {
        outcomes.completeExceptionally(new IOException(from + " answered " + answer.getForwardedCount()
            + " outcomes for " + commands.size() + " forwarded commands"));
        return;
      }
      List<Outcome> list = new ArrayList<>(commands.size());
      for (ForwardedCommand forwarded : answer.getForwardedList()) {
        if (!forwarded.getFailed().isEmpty()) {
          // Its fate is open: send the whole batch again; what was applied answers from the
          // request ids' record of results, and a read barrier is only proposed once more.
          tryAgain(from, new IOException("the leader " + from + " could not commit a forwarded command: "
              + forwarded.getFailed()));
          return;
        }
        list.add(forwarded.getRefused().isEmpty()
            ? new Outcome(new Applied(forwarded.getResult(), forwarded.getLogIndex()), null)
            : new Outcome(null, new StateMachineException(from + " refused a forwarded command",
                new IllegalArgumentException(forwarded.getRefused()))));
      }
      outcomes.complete(list);
    }

    /**
     * Whether the peer's state machine refused the question as such: it does not know its kind (an
     * IllegalArgumentException, what a version without forwarding answers; Ratis hands it back as
     * the cause of the error that closed the stream). Anything else (a StateMachineException: a
     * leader that has committed nothing yet, a node still starting; a broken connection) is worth
     * asking again.
     */
    private static boolean queryRefused(Throwable failure) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof IllegalArgumentException) {
          return true;
        }
      }
      return false;
    }

    /** Sends the batch again after {@code failure} at {@code from}: to the leader it points to or this node knows. */
    private void tryAgain(RaftPeerId from, Throwable failure) {
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

    /** Each command's result from the reply to the batch's log entry. */
    private List<Outcome> outcomesOf(RaftClientReply reply) throws IOException {
      List<CommandResult> results;
      try {
        results = CommandResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer()).getBatchList();
      } catch (InvalidProtocolBufferException e) {
        throw new IOException("unreadable command result", e);
      }
      if (results.size() != commands.size()) {
        throw new IOException("the batch's result holds " + results.size() + " results for " + commands.size()
            + " commands");
      }
      return results.stream().map(result -> new Outcome(new Applied(result, reply.getLogIndex()), null)).toList();
    }
  }

  /**
   * Whether to forward to {@code peer}: not if it refused a forward within the last
   * {@link #FORWARDS_REFUSED_NANOS}. Each refusal closes the connection, failing everything else on
   * it, so a peer that cannot take forwards is asked again only now and then (it may have been upgraded).
   */
  private boolean takesForwards(RaftPeerId peer) {
    Long refusedAt = forwardsRefusedAt.get(peer);
    if (refusedAt == null) {
      return true;
    }
    if (System.nanoTime() - refusedAt < FORWARDS_REFUSED_NANOS) {
      return false;
    }
    forwardsRefusedAt.remove(peer, refusedAt);
    return true;
  }

  private Optional<RaftPeerId> knownLeader() {
    if (!member.isRunning()) {
      return Optional.empty();
    }
    return member.leaderId().map(RaftPeerId::valueOf);
  }

  /** Fails the commands still in flight or waiting: this node is stopping. */
  @Override
  public void close() {
    AlreadyClosedException closing = new AlreadyClosedException("node " + member.id() + " is shutting down");
    inFlight.forEach(submission -> submission.outcomes.completeExceptionally(closing));
    synchronized (waiting) {
      waiting.forEach(proposal -> proposal.applied.completeExceptionally(closing));
      waiting.clear();
    }
  }
}
