package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestOp;
import java.util.Objects;

/**
 * The operations of a {@link Txn} (etcd's {@code clientv3.Op}): puts, deletes of a key, a prefix
 * or an interval, and range reads, which see the writes of the operations before them in the same
 * transaction. A transaction writes each key at most once per branch.
 */
public final class Op {

  private Op() {}

  /** Sets {@code key} to the UTF-8 bytes of {@code utf8Value}. */
  public static RequestOp put(String key, String utf8Value) {
    return put(key, ByteString.copyFromUtf8(Objects.requireNonNull(utf8Value, "value")), false);
  }

  /** Sets {@code key} to {@code value}; with {@code prevKv}, its response carries the previous entry. */
  public static RequestOp put(String key, ByteString value, boolean prevKv) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setValue(Objects.requireNonNull(value, "value"))
        .setPrevKv(prevKv)).build();
  }

  /** Deletes {@code key}. */
  public static RequestOp delete(String key) {
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(Objects.requireNonNull(key, "key")).build());
  }

  /** Deletes every key that starts with {@code prefix}. */
  public static RequestOp deletePrefix(String prefix) {
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(Objects.requireNonNull(prefix, "prefix")).setPrefix(true)
        .build());
  }

  /** Deletes what {@code request} names (its request id must be unset). */
  public static RequestOp deleteRange(DeleteRangeRequest request) {
    return RequestOp.newBuilder().setRequestDeleteRange(request).build();
  }

  /** Reads {@code key}. */
  public static RequestOp get(String key) {
    return range(RangeOptions.key(key));
  }

  /**
   * Reads a range as the transaction sees it: one page of at most {@code options.limit()} (0: the
   * server's maximum) entries and about 3 MiB for the whole transaction, {@code more} set when
   * entries were left out. {@code options.revision()} must be 0: a transaction reads its own state.
   */
  public static RequestOp range(RangeOptions options) {
    return RequestOp.newBuilder().setRequestRange(options.pageRequest("", options.limit())).build();
  }
}
