package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.api.TxnResponse;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The calls of a {@link KvClient} without blocking: each returns at once with a
 * {@link CompletableFuture}, so one thread can keep many requests in flight (they share the
 * client's connections, multiplexed over HTTP/2). Obtained from {@link KvClient#async()}.
 *
 * <p>Same behaviour as the blocking calls, because they are the same calls: endpoint failover
 * within the request timeout, one request id across all attempts of a write (so a retry is never
 * applied twice), writes sent to the leader first, hedged reads and adaptive attempt timeouts.
 *
 * <p><b>Failures</b> complete the future exceptionally with what the blocking call throws: a
 * {@link KvClientException} (with the gRPC status code, and {@code outcomeUnknown()} for a write
 * that may or may not have been applied), including {@code INVALID_ARGUMENT} for a request over a
 * documented limit, which is never sent; or an {@link IllegalStateException} when the client is
 * closed. A null argument throws {@link NullPointerException} at once. ({@code join()} wraps the
 * failure in a {@code CompletionException}, {@code get()} in an {@code ExecutionException}.)
 *
 * <p><b>Threads.</b> Futures complete on the client's callback executor (a pool of daemon threads
 * the client owns, unless {@link KvClient.Builder#callbackExecutor} set another), never on gRPC's
 * transport or callback threads, so stages chained with {@code thenApply}, {@code whenComplete} and
 * the like run there, and may even block or call this client again without stalling other calls.
 * A stage chained after the future has completed runs on the thread that chains it, as always with
 * {@code CompletableFuture}. Starting a call does a little work on the caller's thread (building
 * the request and, when the connection is up, sending the first attempt).
 *
 * <p><b>Cancelling</b> a future ({@code cancel}) cancels the call's attempts; a cancelled write
 * may or may not have been applied. Thread-safe.
 */
public final class KvAsyncClient {

  private final KvCalls calls;

  KvAsyncClient(KvCalls calls) {
    this.calls = calls;
  }

  /** Sets {@code key} to {@code value}; see {@link KvClient#put(String, ByteString)}. */
  public CompletableFuture<PutResponse> put(String key, ByteString value) {
    return put(key, value, false);
  }

  /** Sets {@code key} to the UTF-8 bytes of {@code utf8Value}. */
  public CompletableFuture<PutResponse> put(String key, String utf8Value) {
    return put(key, ByteString.copyFromUtf8(Objects.requireNonNull(utf8Value, "value")), false);
  }

  /** Sets {@code key} to {@code value}; with {@code prevKv}, the response carries the previous entry. */
  public CompletableFuture<PutResponse> put(String key, ByteString value, boolean prevKv) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return calls.caller().callAsync(() -> calls.put(key, value, prevKv));
  }

  /**
   * Sets {@code key} to {@code value} attached to {@code lease} (0: to none); see
   * {@link KvClient#put(String, ByteString, boolean, long)}.
   */
  public CompletableFuture<PutResponse> put(String key, ByteString value, boolean prevKv, long lease) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return calls.caller().callAsync(() -> calls.put(key, value, prevKv, lease));
  }

  /** Reads {@code key} linearizably; {@code found} tells whether it exists. */
  public CompletableFuture<GetResponse> get(String key) {
    return get(key, ReadConsistency.LINEARIZABLE);
  }

  /** Reads {@code key} with the given consistency; {@code found} tells whether it exists. */
  public CompletableFuture<GetResponse> get(String key, ReadConsistency consistency) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(consistency, "consistency");
    return calls.caller().callAsync(() -> calls.get(key, consistency));
  }

  /** Deletes {@code key}; {@code deleted} is 0 when it did not exist. */
  public CompletableFuture<DeleteResponse> delete(String key) {
    return delete(key, false);
  }

  /** Deletes {@code key}; with {@code prevKv}, the response carries the deleted entry. */
  public CompletableFuture<DeleteResponse> delete(String key, boolean prevKv) {
    Objects.requireNonNull(key, "key");
    return calls.caller().callAsync(() -> calls.delete(key, prevKv));
  }

  /** As {@link KvClient#compact(long)}. */
  public CompletableFuture<CompactResponse> compact(long revision) {
    return calls.caller().callAsync(() -> calls.compact(revision));
  }

  /**
   * One page of a listing, as {@link KvClient#getAll(GetAllOptions)}: the keys of {@code options}
   * in key order, at most its limit and one page's worth; {@code more} says whether others follow
   * (pass the last key as {@code startAfter} for the next page).
   */
  public CompletableFuture<GetAllResponse> getAll(GetAllOptions options) {
    Objects.requireNonNull(options, "options");
    return calls.caller().callAsync(() -> calls.getAll(options.pageRequest(options.startAfter(), options.limit())));
  }

  /**
   * One page of a range read, as {@link KvClient#range(RangeOptions, String)}: the first page for
   * an empty {@code pageToken}, else the page after the one whose {@code next_page_token} it is.
   */
  public CompletableFuture<RangeResponse> range(RangeOptions options, String pageToken) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(pageToken, "pageToken");
    return calls.caller().callAsync(() -> calls.range(options.pageRequest(pageToken, options.limit())));
  }

  /** The first page of a range read, as {@link KvClient#range(RangeOptions)}. */
  public CompletableFuture<RangeResponse> range(RangeOptions options) {
    return range(options, "");
  }

  /** Runs a transaction, as {@link KvClient#txn}. */
  public CompletableFuture<TxnResponse> txn(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    return calls.caller().callAsync(() -> calls.txn(txn));
  }

  /** A compare-and-swap on the value, as {@link KvClient#cas}. */
  public CompletableFuture<CasResult> cas(String key, ByteString expected, ByteString value) {
    return txn(KvCalls.cas(key, KvClient.casExpectation(key, expected), value)).thenCompose(r -> casResult(key, r));
  }

  /** A compare-and-swap on the mod revision, as {@link KvClient#casModRevision}. */
  public CompletableFuture<CasResult> casModRevision(String key, long modRevision, ByteString value) {
    return txn(KvCalls.cas(key, Cmp.modRevision(key).equal(modRevision), value)).thenCompose(r -> casResult(key, r));
  }

  /** As the blocking client's: a lost swap answered without its entry reads it at the swap's revision. */
  private CompletableFuture<CasResult> casResult(String key, TxnResponse response) {
    return CasResult.lostWithoutItsEntry(response)
        ? range(RangeOptions.key(key).atRevision(response.getHeader().getRevision()))
            .thenApply(read -> CasResult.lost(response, read))
        : CompletableFuture.completedFuture(CasResult.of(response));
  }

  /** Deletes the keys {@code request} names at one revision, as {@link KvClient#deleteRange(DeleteRangeRequest)}. */
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    Objects.requireNonNull(request, "request");
    return calls.caller().callAsync(() -> calls.deleteRange(request));
  }

  /** Members, leader and progress of the cluster, as seen by the first node that answers. */
  public CompletableFuture<StatusResponse> status() {
    return calls.caller().callAsync(calls::status);
  }
}
