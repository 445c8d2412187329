package dev.kvstore.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends commands through Raft and hands back their applied results. Followers do not forward
 * writes, so this uses a Ratis client that finds the leader itself and retries (with the same
 * call id, which the leader's retry cache deduplicates) across leader changes.
 *
 * <p>Ratis's asynchronous client keeps its requests in one ordered window, and once a request in
 * it fails (its retries ran out during a partition, say) the window stays failed: every later
 * request fails at once with "is closed". So the first failure retires that client (it is closed
 * after in-flight requests had time to finish) and later commands go through a fresh one.
 */
final class CommandSubmitter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandSubmitter.class);

  private final Supplier<RaftClient> clients;
  private final ScheduledExecutorService scheduler;
  private final Executor raftCalls;
  private final Duration retireAfter;
  private final AtomicReference<RaftClient> current;
  private final Set<RaftClient> retiring = ConcurrentHashMap.newKeySet();

  /**
   * @param leaderHint the leader this node currently knows, if any: a new Ratis client otherwise
   *                   starts with the first peer of the group, which may be the very node that is
   *                   paused or cut off, and would spend its first attempts timing out there
   */
  CommandSubmitter(RaftGroup group, RaftProperties clientProperties, Duration retryFor,
      Supplier<Optional<RaftPeerId>> leaderHint, ScheduledExecutorService scheduler, Executor raftCalls) {
    this.clients = () -> {
      RaftClient.Builder builder = RaftClient.newBuilder()
          .setClientId(ClientId.randomId())
          .setRaftGroup(group)
          .setProperties(clientProperties)
          .setRetryPolicy(RequestTypeDependentRetryPolicy.newBuilder()
              .setRetryPolicy(TypeCase.WRITE,
                  RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
              .setTimeout(TypeCase.WRITE, TimeDuration.valueOf(retryFor.toMillis(), TimeUnit.MILLISECONDS))
              .build());
      leaderHint.get().ifPresent(builder::setLeaderId);
      return builder.build();
    };
    this.scheduler = scheduler;
    this.raftCalls = raftCalls;
    this.retireAfter = retryFor.multipliedBy(2);
    this.current = new AtomicReference<>(clients.get());
  }

  /**
   * Completes with the command's result once applied, or exceptionally (see {@link RaftFailures}),
   * at the latest after {@code timeout}: the deadline is armed before Ratis is called, because the
   * call itself can block (a full ordered window, a peer connection being replaced).
   */
  CompletableFuture<Applied> submit(Command command, Duration timeout) {
    CompletableFuture<RaftClientReply> reply = new CompletableFuture<RaftClientReply>()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray()));
    raftCalls.execute(() -> {
      RaftClient client = current.get();
      try {
        client.async().send(message).whenComplete((r, failure) -> {
          if (failure != null) {
            // A state machine's refusal is an answer, not a broken window.
            if (!(RaftFailures.unwrap(failure) instanceof StateMachineException)) {
              retire(client, failure);
            }
            reply.completeExceptionally(failure);
          } else {
            reply.complete(r);
          }
        });
      } catch (RuntimeException e) {
        retire(client, e);
        reply.completeExceptionally(e);
      }
    });
    return reply.thenApply(r -> new Applied(resultOf(r), r.getLogIndex()));
  }

  /**
   * A command's result and the log index of its entry.
   *
   * @param result   what applying the command produced
   * @param logIndex where the command sits in the Raft log
   */
  record Applied(CommandResult result, long logIndex) {}

  private void retire(RaftClient broken, Throwable why) {
    RaftClient fresh = clients.get();
    if (!current.compareAndSet(broken, fresh)) {
      closeQuietly(fresh);
      return;
    }
    LOG.warn("replacing the Raft client {} after a failed write ({}); it closes in {} s", broken.getId(),
        RaftFailures.unwrap(why).toString(), retireAfter.toSeconds());
    retiring.add(broken);
    scheduler.schedule(() -> {
      if (retiring.remove(broken)) {
        closeQuietly(broken);
      }
    }, retireAfter.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static CommandResult resultOf(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw new CompletionException(reply.getException());
    }
    try {
      return CommandResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new CompletionException(new IOException("unreadable command result", e));
    }
  }

  private static void closeQuietly(RaftClient client) {
    try {
      client.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing Raft client {}: {}", client.getId(), e.toString());
    }
  }

  @Override
  public void close() {
    closeQuietly(current.get());
    retiring.forEach(CommandSubmitter::closeQuietly);
    retiring.clear();
  }
}
