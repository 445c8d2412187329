package dev.kvstore.failover.store;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;

/**
 * Every call of the data API as the transaction it is equivalent to, so that one model checks
 * them all: Put is {@code txn(then put)}, Delete and DeleteRange {@code txn(then delete)}, Get and
 * Range {@code txn(then range)}. Answers keep the revision they reflect in {@code header.revision}.
 */
public final class TxnForm {

  private TxnForm() {
  }

  public static TxnRequest put(String key, String value) {
    return put(key, value, 0);
  }

  public static TxnRequest put(String key, String value, long lease) {
    return single(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
        .setValue(ByteString.copyFromUtf8(value)).setLease(lease)).build());
  }

  public static TxnRequest delete(String key) {
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
  }

  public static TxnRequest deleteRange(DeleteRangeRequest request) {
    return single(RequestOp.newBuilder().setRequestDeleteRange(request.toBuilder().clearRequestId()).build());
  }

  /** A Get of one key. */
  public static TxnRequest get(String key) {
    return range(RangeRequest.newBuilder().setKey(key).build());
  }

  /** A Range; its revision, page token and consistency are left out (see {@link StoreOperation#pastRevision}). */
  public static TxnRequest range(RangeRequest request) {
    return single(RequestOp.newBuilder().setRequestRange(request.toBuilder().clearRevision().clearPageToken()
        .clearConsistency()).build());
  }

  private static TxnRequest single(RequestOp op) {
    return TxnRequest.newBuilder().addSuccess(op).build();
  }

  public static TxnResponse of(PutResponse r) {
    return single(r.getHeader(), ResponseOp.newBuilder().setResponsePut(r).build());
  }

  /** The answer of a Delete: a range delete of one key. */
  public static TxnResponse of(DeleteResponse r) {
    return single(r.getHeader(), ResponseOp.newBuilder().setResponseDeleteRange(
        DeleteRangeResponse.newBuilder().setDeleted(r.getDeleted())).build());
  }

  public static TxnResponse of(DeleteRangeResponse r) {
    return single(r.getHeader(), ResponseOp.newBuilder().setResponseDeleteRange(r).build());
  }

  /** The answer of a Get: a range answer of zero or one entry. */
  public static TxnResponse of(GetResponse r) {
    RangeResponse.Builder range = RangeResponse.newBuilder().setCount(r.getFound() ? 1 : 0);
    if (r.getFound()) {
      range.addKvs(r.getKv());
    }
    return single(r.getHeader(), ResponseOp.newBuilder().setResponseRange(range).build());
  }

  /** The answer of one Range page; {@code header.revision} is the revision it read. */
  public static TxnResponse of(RangeResponse r) {
    return single(r.getHeader(), ResponseOp.newBuilder().setResponseRange(r).build());
  }

  private static TxnResponse single(ResponseHeader header, ResponseOp op) {
    return TxnResponse.newBuilder().setHeader(header).setSucceeded(true).addResponses(op).build();
  }
}
