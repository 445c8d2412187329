package dev.kvstore.node.request;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The data requests of one Raft group, free of any transport (as etcd's {@code RaftKV}): the gRPC
 * adapter validates a request against {@link dev.kvstore.api.RequestLimits}, calls this, and sends
 * what the future completes with. What every request must pass through (authorisation, metrics,
 * quotas, rate limits) wraps this interface in one place.
 *
 * <p>Each future completes on an executor of the node's own, never on a Raft or transport thread,
 * and fails with a {@link io.grpc.StatusRuntimeException} whose status says why (see
 * {@link RaftFailures}): UNAVAILABLE without a leader or quorum within {@code ctx}, INVALID_ARGUMENT
 * or FAILED_PRECONDITION for a command the state machine refused. A write that was applied but could
 * not be answered fails with the {@link dev.kvstore.api.WriteOutcome} trailer in its status.
 */
public interface KvRequests {

  /**
   * Puts once the leader has applied the write and this node has applied it too (so a read here
   * sees it). A put naming a lease that does not exist fails with NOT_FOUND and changes nothing.
   *
   * @param ctx who asks, and the longest the request may wait for a leader, a quorum and the apply
   */
  CompletableFuture<PutResponse> put(PutRequest request, RequestContext ctx);

  /** Deletes, with the same guarantees and {@code ctx} as {@link #put}. */
  CompletableFuture<DeleteResponse> delete(DeleteRequest request, RequestContext ctx);

  /**
   * Reads one key: linearizable (the default) after a read barrier, or SERIALIZABLE from this
   * node's applied state at once (possibly stale).
   *
   * @param ctx who asks, and the longest a linearizable read may wait for its barrier
   */
  CompletableFuture<GetResponse> get(GetRequest request, RequestContext ctx);

  /** Reads one page of a prefix, in key order, with the consistency and {@code ctx} of {@link #get}. */
  CompletableFuture<GetAllResponse> getAll(GetAllRequest request, RequestContext ctx);

  /**
   * Compacts the history of every member at the request's revision through the log, with the
   * guarantees and {@code ctx} of {@link #put}; OUT_OF_RANGE when the revision is already compacted
   * or above the current one.
   */
  CompletableFuture<CompactResponse> compact(CompactRequest request, RequestContext ctx);

  /**
   * Deletes every key of a range at one revision, with the guarantees and {@code ctx} of
   * {@link #put}. Previous key-values, when asked for, come in key order up to the response budget
   * (3 MiB); {@code deleted} counts every deleted key.
   */
  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request, RequestContext ctx);

  /**
   * Applies a transaction (compares, then one branch) at one revision, with the guarantees and
   * {@code ctx} of {@link #put}. A key written twice in one branch fails with INVALID_ARGUMENT.
   */
  CompletableFuture<TxnResponse> txn(TxnRequest request, RequestContext ctx);

  /**
   * Reads one page of a key, a prefix or an interval (see {@link RangePages}), with the consistency
   * and {@code ctx} of {@link #get}. OUT_OF_RANGE for a revision that is compacted or in the
   * future.
   */
  CompletableFuture<RangeResponse> range(RangeRequest request, RequestContext ctx);
}
