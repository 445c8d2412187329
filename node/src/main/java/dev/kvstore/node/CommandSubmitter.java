package dev.kvstore.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * Sends commands through Raft and hands back their applied results. Followers do not forward
 * writes, so this uses a Ratis client that finds the leader itself and retries (with the same
 * call id, which the leader's retry cache deduplicates) across leader changes.
 */
final class CommandSubmitter implements AutoCloseable {

  private final RaftClient client;

  CommandSubmitter(RaftGroup group, RaftProperties clientProperties, Duration retryFor) {
    this.client = RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setProperties(clientProperties)
        .setRetryPolicy(RequestTypeDependentRetryPolicy.newBuilder()
            .setRetryPolicy(TypeCase.WRITE, RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
            .setTimeout(TypeCase.WRITE, TimeDuration.valueOf(retryFor.toMillis(), TimeUnit.MILLISECONDS))
            .build())
        .build();
  }

  /** Completes with the command's result once applied, or exceptionally (see {@link RaftFailures}). */
  CompletableFuture<CommandResult> submit(Command command, Duration timeout) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray()));
    return client.async().send(message)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(CommandSubmitter::resultOf);
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

  @Override
  public void close() throws IOException {
    client.close();
  }
}
