package dev.kvstore.node.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.node.request.RaftFailures;
import dev.kvstore.statemachine.proto.CurrentTermQuery;
import dev.kvstore.statemachine.proto.LeaseKeepAliveQuery;
import dev.kvstore.statemachine.proto.LeaseTimeToLiveQuery;
import dev.kvstore.statemachine.proto.PeerQuery;
import dev.kvstore.statemachine.proto.PeerQueryResult;
import dev.kvstore.statemachine.proto.ReadIndexQuery;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Asks another node a {@link PeerQuery} over the Raft port: a Ratis stale read addressed to that
 * node, which its state machine hands to its {@link PeerQueries}. Nothing is written to the log.
 * Queries have connections of their own ({@link PeerConnections}, replaced when one breaks), apart
 * from the writes', so that a write's failure never fails a read's question or the other way round.
 */
public final class PeerQueryClient implements ReadIndexRound.Peers {

  /** The two questions, encoded once: every read round asks one of them of each other member. */
  private static final Message CURRENT_TERM = encoded(PeerQuery.newBuilder()
      .setCurrentTerm(CurrentTermQuery.getDefaultInstance()).build());
  private static final Message READ_INDEX = encoded(PeerQuery.newBuilder()
      .setReadIndex(ReadIndexQuery.getDefaultInstance()).build());

  private final PeerConnections connections;
  private final RaftGroupId groupId;
  private final ClientId clientId = ClientId.randomId();
  /** Call ids are unique per connection: replies are matched by them. */
  private final AtomicLong callIds = new AtomicLong();

  /** @param connections used for peer queries only */
  public PeerQueryClient(PeerConnections connections, RaftGroupId groupId) {
    this.connections = connections;
    this.groupId = groupId;
  }

  /** The current term of {@code peer}; fails after {@code timeout} or with why the peer could not answer. */
  @Override
  public CompletableFuture<Long> currentTerm(RaftPeerId peer, Duration timeout) {
    return ask(peer, CURRENT_TERM, timeout).thenApply(PeerQueryResult::getTerm);
  }

  /**
   * A read index from {@code leader}: completes once the leader confirmed its leadership after this
   * question arrived, with its commit index at arrival. Fails if it no longer leads, after
   * {@code timeout}, or with why it could not answer.
   */
  @Override
  public CompletableFuture<Long> readIndex(RaftPeerId leader, Duration timeout) {
    return ask(leader, READ_INDEX, timeout).thenApply(PeerQueryResult::getReadIndex);
  }

  /**
   * Has {@code leader} renew lease {@code id}: completes once it renewed it and confirmed its
   * leadership afterwards (lease_found, lease_ttl); fails when it does not lead, after
   * {@code timeout}, or with why it could not answer.
   */
  public CompletableFuture<PeerQueryResult> leaseKeepAlive(RaftPeerId leader, long id, Duration timeout) {
    return ask(leader, encoded(PeerQuery.newBuilder().setLeaseKeepAlive(LeaseKeepAliveQuery.newBuilder().setId(id))
        .build()), timeout);
  }

  /** Asks {@code leader} how long lease {@code id} has left (lease_found, lease_ttl), as {@link #leaseKeepAlive}. */
  public CompletableFuture<PeerQueryResult> leaseTimeToLive(RaftPeerId leader, long id, Duration timeout) {
    return ask(leader, encoded(PeerQuery.newBuilder()
        .setLeaseTimeToLive(LeaseTimeToLiveQuery.newBuilder().setId(id)).build()), timeout);
  }

  private static Message encoded(PeerQuery question) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(question.toByteArray()));
  }

  private CompletableFuture<PeerQueryResult> ask(RaftPeerId peer, Message question, Duration timeout) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(peer)
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(question)
        .setType(RaftClientRequest.staleReadRequestType(0))
        .build();
    PeerConnections.Sent sent = connections.send(request);
    return sent.reply().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((reply, error) -> {
      Throwable failure = error != null ? RaftFailures.unwrap(error) : reply.isSuccess() ? null : reply.getException();
      if (failure == null) {
        return parse(peer, reply);
      }
      if (!(failure instanceof TimeoutException)) {
        // Our own time limit says nothing about the stream; what Ratis answered may.
        connections.failed(peer, sent.generation(), failure);
      }
      throw new CompletionException(failure);
    });
  }

  private static PeerQueryResult parse(RaftPeerId peer, RaftClientReply reply) {
    try {
      return PeerQueryResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new CompletionException(new IllegalStateException(peer + " answered a peer query with "
          + "something else: " + e.getMessage(), e));
    }
  }
}
