package dev.kvstore.node.raft;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's connections to the Raft client port of its peers, over which it sends client
 * requests (writes to the leader) addressed to one peer each.
 *
 * <p>Ratis multiplexes all asynchronous requests to a peer over one stream, and one failure on it
 * (a {@code NotLeaderException}, a broken connection) fails every request pending there and leaves
 * the stream closed for good. The connection must then be replaced, once: requests that fail
 * together must not replace it once each, or each replacement would fail the requests just re-sent
 * on the previous one. So every request is tagged with the generation of the connection it went
 * out on, and only a failure on the current generation replaces it.
 */
public final class PeerConnections implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PeerConnections.class);

  private final RaftClientRpc rpc;
  private final Executor closer;
  private final Supplier<List<RaftPeer>> livePeers;
  private final Map<RaftPeerId, AtomicLong> generations = new ConcurrentHashMap<>();
  /** Peers {@link #rpc} has been told of: it cannot reach a peer before it knows its address. */
  private final Set<RaftPeerId> known = ConcurrentHashMap.newKeySet();

  /**
   * @param rpc       Ratis client RPC
   * @param closer    where broken connections are replaced: closing one waits for its channel to shut
   *                  down (seconds, when the peer is paused), which no request thread may do
   * @param livePeers the peers of the live Raft configuration, read when a request goes to a peer
   *                  {@code rpc} does not know yet (a member added since: the membership changes)
   */
  public PeerConnections(RaftClientRpc rpc, Executor closer, Supplier<List<RaftPeer>> livePeers) {
    this.rpc = rpc;
    this.closer = closer;
    this.livePeers = livePeers;
  }

  /** A request on its way, and the connection generation it went out on. */
  record Sent(CompletableFuture<RaftClientReply> reply, long generation) {}

  /** Sends {@code request} to the peer it is addressed to ({@link RaftClientRequest#getServerId()}). */
  Sent send(RaftClientRequest request) {
    if (!known.contains(request.getServerId())) {
      learnPeers();
    }
    long generation = generation(request.getServerId()).get();
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = rpc.sendRequestAsyncUnordered(request);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return new Sent(reply, generation);
  }

  /**
   * Replaces the connection to {@code peer} if {@code failure} broke its stream: anything but a
   * state machine's refusal ({@link StateMachineException}, an ordinary reply) or a Ratis time-out
   * of that one request, which leave the stream working.
   */
  void failed(RaftPeerId peer, long generation, Throwable failure) {
    if (!(failure instanceof StateMachineException) && !(failure instanceof TimeoutIOException)) {
      broken(peer, generation, failure);
    }
  }

  /** Replaces the connection to {@code peer} if {@code generation} is still its current one. */
  void broken(RaftPeerId peer, long generation, Throwable why) {
    if (generation(peer).compareAndSet(generation, generation + 1)) {
      LOG.debug("replacing the connection to {} (generation {}): {}", peer, generation, why.toString());
      closer.execute(() -> rpc.handleException(peer, why, true));
    }
  }

  private void learnPeers() {
    List<RaftPeer> peers = livePeers.get();
    // Ratis adds only peers it does not know (by id); a known one keeps its connection.
    rpc.addRaftPeers(peers);
    peers.forEach(peer -> known.add(peer.getId()));
  }

  private AtomicLong generation(RaftPeerId peer) {
    return generations.computeIfAbsent(peer, p -> new AtomicLong());
  }

  @Override
  public void close() throws IOException {
    rpc.close();
  }
}
