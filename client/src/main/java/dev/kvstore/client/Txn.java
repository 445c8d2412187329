package dev.kvstore.client;

import dev.kvstore.api.Compare;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnRequest;
import java.util.List;
import java.util.Objects;

/**
 * A transaction, built as etcd's {@code If(...).Then(...).Else(...)}: when every comparison holds,
 * the {@code then} operations run, else the {@code orElse} ones, atomically, with all their writes
 * at one revision. For example:
 *
 * <pre>{@code
 * TxnResponse r = client.txn(Txn.when(Cmp.version("lock").equal(0))
 *     .then(Op.put("lock", "me"))
 *     .orElse(Op.get("lock")));
 * }</pre>
 *
 * <p>At most {@value RequestLimits#MAX_TXN_OPS} comparisons and operations per branch, and a branch
 * writes each key at most once (else INVALID_ARGUMENT). The client gives the transaction a request
 * id, so a retry after a failover is applied once. Immutable.
 */
public final class Txn {

  private final TxnRequest request;

  private Txn(TxnRequest request) {
    this.request = request;
  }

  /** A transaction whose {@code then} branch runs when every one of {@code compares} holds (always, for none). */
  public static Txn when(Compare... compares) {
    return new Txn(TxnRequest.newBuilder().addAllCompare(List.of(compares)).build());
  }

  /** The same transaction with {@code ops} added to its success branch. */
  public Txn then(RequestOp... ops) {
    return new Txn(request.toBuilder().addAllSuccess(List.of(ops)).build());
  }

  /** The same transaction with {@code ops} added to its failure branch. */
  public Txn orElse(RequestOp... ops) {
    return new Txn(request.toBuilder().addAllFailure(List.of(ops)).build());
  }

  /** The request, without a request id (the client adds one per call). */
  public TxnRequest request() {
    return request;
  }

  /** A transaction of an existing request (its request id is replaced by the client's). */
  public static Txn of(TxnRequest request) {
    return new Txn(Objects.requireNonNull(request, "request").toBuilder().clearRequestId().build());
  }
}
