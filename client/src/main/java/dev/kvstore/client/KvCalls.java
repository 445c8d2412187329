package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.SnapshotResponse;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Objects;

/**
 * The RPCs of the kvstore API as started {@link FailoverCall}s: each method builds its request
 * (writes get the next request id), refuses one that breaks a documented limit without sending it,
 * and starts the call. {@link KvClient} waits for them, {@link KvAsyncClient} hands them off, so
 * the two share every step but the wait.
 */
final class KvCalls {

  private final EndpointRotation rotation;
  private final FailoverCaller caller;
  private final RequestIdSource requestIds;

  KvCalls(EndpointRotation rotation, FailoverCaller caller, RequestIdSource requestIds) {
    this.rotation = rotation;
    this.caller = caller;
    this.requestIds = requestIds;
  }

  FailoverCaller caller() {
    return caller;
  }

  /** @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed */
  FailoverCall<PutRequest, PutResponse> put(String key, ByteString value, boolean prevKv) {
    return put(key, value, prevKv, 0);
  }

  /** A put attached to {@code lease} (0: none); as {@link #put(String, ByteString, boolean)}. */
  FailoverCall<PutRequest, PutResponse> put(String key, ByteString value, boolean prevKv, long lease) {
    PutRequest request = PutRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setValue(Objects.requireNonNull(value, "value"))
        .setPrevKv(prevKv)
        .setRequestId(requestIds.next())
        .setLease(lease)
        .build();
    checkBeforeSending("Put", () -> RequestLimits.check(request));
    return caller.start(rotation, KvStoreGrpc.getPutMethod(), request, CallKind.WRITE, PutResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed */
  FailoverCall<GetRequest, GetResponse> get(String key, ReadConsistency consistency) {
    GetRequest request = GetRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setConsistency(Objects.requireNonNull(consistency, "consistency"))
        .setOmitValue(true)
        .build();
    checkBeforeSending("Get", () -> RequestLimits.check(request));
    return caller.start(rotation, ValueOnceMethods.GET, request, CallKind.READ, ReadRoute.current(consistency),
        GetResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for a revision below 1; IllegalStateException when closed */
  FailoverCall<CompactRequest, CompactResponse> compact(long revision) {
    CompactRequest request = CompactRequest.newBuilder()
        .setRevision(revision)
        .setRequestId(requestIds.next())
        .build();
    checkBeforeSending("Compact", () -> RequestLimits.check(request));
    return caller.start(rotation, KvStoreGrpc.getCompactMethod(), request, CallKind.WRITE, CompactResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed */
  FailoverCall<DeleteRequest, DeleteResponse> delete(String key, boolean prevKv) {
    DeleteRequest request = DeleteRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setPrevKv(prevKv)
        .setRequestId(requestIds.next())
        .build();
    checkBeforeSending("Delete", () -> RequestLimits.check(request));
    return caller.start(rotation, KvStoreGrpc.getDeleteMethod(), request, CallKind.WRITE, DeleteResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed */
  FailoverCall<GetAllRequest, GetAllResponse> getAll(GetAllRequest request) {
    checkBeforeSending("GetAll", () -> RequestLimits.check(request));
    return caller.start(rotation, KvStoreGrpc.getGetAllMethod(), request, CallKind.READ,
        ReadRoute.current(request.getConsistency()), GetAllResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed */
  FailoverCall<RangeRequest, RangeResponse> range(RangeRequest request) {
    checkBeforeSending("Range", () -> RequestLimits.check(request));
    // Only a first page at the current revision answers with the member's applied revision.
    ReadRoute route = request.getRevision() == 0 && request.getPageToken().isEmpty()
        ? ReadRoute.current(request.getConsistency())
        : new ReadRoute(request.getConsistency() == ReadConsistency.SERIALIZABLE, false);
    return caller.start(rotation, KvStoreGrpc.getRangeMethod(), request, CallKind.READ, route, RangeResponse::getHeader);
  }

  /**
   * A transaction, with the next request id (a write: sent to the leader first, applied once).
   *
   * @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed
   */
  FailoverCall<TxnRequest, TxnResponse> txn(Txn txn) {
    TxnRequest request = txn.request().toBuilder().setRequestId(requestIds.next()).build();
    checkBeforeSending("Txn", () -> RequestLimits.check(request));
    return caller.start(rotation, KvStoreGrpc.getTxnMethod(), request, CallKind.WRITE, TxnResponse::getHeader);
  }

  /**
   * The transaction of a compare-and-swap: put {@code value} if {@code expectation} holds, else
   * read the key (what {@link CasResult#of} reads).
   */
  static Txn cas(String key, Compare expectation, ByteString value) {
    return Txn.when(expectation).then(Op.put(key, value, false)).orElse(Op.get(key));
  }

  /**
   * A DeleteRange of {@code request}'s keys, with the next request id.
   *
   * @throws KvClientException INVALID_ARGUMENT for a request over a limit; IllegalStateException when closed
   */
  FailoverCall<DeleteRangeRequest, DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    DeleteRangeRequest withId = request.toBuilder().setRequestId(requestIds.next()).build();
    checkBeforeSending("DeleteRange", () -> RequestLimits.check(withId));
    return caller.start(rotation, KvStoreGrpc.getDeleteRangeMethod(), withId, CallKind.WRITE,
        DeleteRangeResponse::getHeader);
  }

  /** @throws IllegalStateException when the client is closed */
  FailoverCall<StatusRequest, StatusResponse> status() {
    return caller.start(
        rotation, MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(), CallKind.MAINTENANCE,
        StatusResponse::getHeader);
  }

  /**
   * A snapshot on the endpoint in use (or the next that answers), or, with {@code endpoint}
   * ({@code host:port}), on exactly that node.
   *
   * @throws IllegalStateException when the client is closed
   */
  FailoverCall<SnapshotRequest, SnapshotResponse> snapshot(String endpoint) {
    EndpointRotation target = endpoint == null ? rotation : new EndpointRotation(List.of(Endpoint.parse(endpoint)));
    return caller.start(
        target, MaintenanceGrpc.getSnapshotMethod(), SnapshotRequest.getDefaultInstance(), CallKind.SNAPSHOT,
        SnapshotResponse::getHeader);
  }

  /**
   * Refuses a request that breaks a documented limit without sending it, with the code and the
   * message the server would answer it with.
   *
   * @throws KvClientException with code INVALID_ARGUMENT
   */
  static void checkBeforeSending(String rpc, Runnable check) {
    try {
      check.run();
    } catch (StatusRuntimeException e) {
      throw new KvClientException(e.getStatus().getCode(),
          rpc + " not sent: " + e.getStatus().getCode() + " (" + e.getStatus().getDescription() + ")", false, e);
    }
  }
}
