package dev.kvstore.node.auth;

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
import dev.kvstore.node.request.KvRequests;
import dev.kvstore.node.request.RequestContext;
import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.auth.Access;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The data requests with authorisation: reads are checked here, against the permissions this node
 * has applied, and fail with {@code PERMISSION_DENIED} naming the user, the keys and the access. Writes go on to the log with their caller, and apply checks them against the
 * permissions of that point of the log (as etcd's auth applier), which a node cannot know ahead.
 */
public final class AuthorizedKv implements KvRequests {

  private final KvRequests kv;
  private final Permissions permissions;

  public AuthorizedKv(KvRequests kv, Permissions permissions) {
    this.kv = kv;
    this.permissions = permissions;
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request, RequestContext ctx) {
    return kv.put(request, ctx);
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(DeleteRequest request, RequestContext ctx) {
    return kv.delete(request, ctx);
  }

  @Override
  public CompletableFuture<GetResponse> get(GetRequest request, RequestContext ctx) {
    return readChecked(ctx, KeyRange.key(request.getKey()), () -> kv.get(request, ctx));
  }

  @Override
  public CompletableFuture<GetAllResponse> getAll(GetAllRequest request, RequestContext ctx) {
    return readChecked(ctx, KeyRange.prefix(request.getPrefix()), () -> kv.getAll(request, ctx));
  }

  @Override
  public CompletableFuture<CompactResponse> compact(CompactRequest request, RequestContext ctx) {
    return kv.compact(request, ctx);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request, RequestContext ctx) {
    return kv.deleteRange(request, ctx);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request, RequestContext ctx) {
    return kv.txn(request, ctx);
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request, RequestContext ctx) {
    return readChecked(ctx, KeyRange.of(request.getKey(), request.getRangeEnd(), request.getPrefix()),
        () -> kv.range(request, ctx));
  }

  /**
   * Checks before the read, so a refused one costs nothing, and again once it is done: a
   * linearizable read's answer is built after its read barrier, so by then this node has applied
   * every revoke committed before the read began, and the second check sees it (as etcd checks a
   * range after its read index wait).
   */
  private <T> CompletableFuture<T> readChecked(RequestContext ctx, KeyRange range, Supplier<CompletableFuture<T>> read) {
    if (!permissions.state().enabled()) {
      // The common case pays no second stage. A read that began before authentication was enabled
      // may finish after it unchecked, as one that finished a moment earlier would have.
      return read.get();
    }
    Optional<StatusRuntimeException> denied = permissions.denied(ctx.user(), Access.READ, range);
    if (denied.isPresent()) {
      return CompletableFuture.failedFuture(denied.get());
    }
    return read.get().thenApply(answer -> {
      Optional<StatusRuntimeException> now = permissions.denied(ctx.user(), Access.READ, range);
      if (now.isPresent()) {
        throw now.get();
      }
      return answer;
    });
  }
}
