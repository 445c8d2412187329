package dev.kvstore.node;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;

/**
 * Makes a linearizable read safe on this node: completes once this node has applied everything
 * committed before the read began (Raft read index, confirmed by a quorum heartbeat). The read
 * itself then comes straight from local memory.
 *
 * <p>The request goes to the local Ratis server in-process, as a "dummy" read that queries nothing,
 * so there is no extra network hop on the leader and no result to serialise.
 *
 * <p>On a follower, Ratis asks the leader it knows for the read index. If that leader is paused or
 * cut off, the question waits for Ratis's read timeout; so when this node learns of a new leader
 * ({@link #leaderChanged}), every barrier still waiting asks again at once, and the first
 * confirmation wins.
 */
final class ReadIndexBarrier {

  private static final long RETRY_DELAY_MS = 20;

  private final LocalMember member;
  private final ScheduledExecutorService scheduler;
  private final Executor raftCalls;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();

  /** A barrier not yet passed: what completes it, and until when (System.nanoTime) to try. */
  private record Waiting(CompletableFuture<Void> done, long deadline) {}

  /**
   * @param raftCalls where calls into Ratis run: they can block (Ratis locks its peer connections
   *                  while it replaces them), and a caller must get its answer at the deadline anyway
   */
  ReadIndexBarrier(LocalMember member, ScheduledExecutorService scheduler, Executor raftCalls) {
    this.member = member;
    this.scheduler = scheduler;
    this.raftCalls = raftCalls;
  }

  /** Completes when reads may proceed, or exceptionally (with a TimeoutException) after {@code timeout}. */
  CompletableFuture<Void> await(Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<Void>().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    long deadline = System.nanoTime() + timeout.toNanos();
    Waiting entry = new Waiting(done, deadline);
    waiting.add(entry);
    done.whenComplete((ignored, error) -> waiting.remove(entry));
    raftCalls.execute(() -> attempt(done, deadline));
    return done;
  }

  /** This node now knows a new leader: every barrier still waiting asks again, through it. */
  void leaderChanged() {
    for (Waiting entry : waiting) {
      raftCalls.execute(() -> attempt(entry.done(), entry.deadline()));
    }
  }

  private void attempt(CompletableFuture<Void> done, long deadline) {
    if (done.isDone()) {
      return;
    }
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = member.server().submitClientRequestAsync(request());
    } catch (IOException | RuntimeException e) {
      retryOrFail(done, deadline, e);
      return;
    }
    reply.whenComplete((r, error) -> {
      if (error != null) {
        retryOrFail(done, deadline, RaftFailures.unwrap(error));
      } else if (r.isSuccess()) {
        done.complete(null);
      } else {
        retryOrFail(done, deadline, r.getException());
      }
    });
  }

  /**
   * No leader yet, a leader change, a connection to the leader being re-established, a snapshot
   * being installed: all pass, so try again until the deadline. Only a closing local server is final.
   */
  private void retryOrFail(CompletableFuture<Void> done, long deadline, Throwable cause) {
    if (cause instanceof AlreadyClosedException) {
      done.completeExceptionally(cause);
      return;
    }
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (remainingMs <= RETRY_DELAY_MS) {
      done.completeExceptionally(new TimeoutException("read index not confirmed: " + cause.getMessage()));
      return;
    }
    scheduler.schedule(() -> raftCalls.execute(() -> attempt(done, deadline)), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  private RaftClientRequest request() {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(member.peerId())
        .setGroupId(member.groupId())
        .setCallId(callIds.incrementAndGet())
        .setMessage(Message.EMPTY)
        .setType(RaftClientRequest.readRequestType(false, false, true))
        .build();
  }
}
