package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.DeleteOpResult;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.PutOpResult;
import dev.kvstore.statemachine.proto.RangeOp;
import dev.kvstore.statemachine.proto.RangeOpResult;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnOp;
import dev.kvstore.statemachine.proto.TxnOpResult;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Applies one transaction (etcd's {@code Txn}) inside one {@link WriteTxn}: evaluates every compare
 * against the store as it is, then runs the success ops when all hold and the failure ops
 * otherwise. The caller ends the write transaction, so all the writes take one revision (none when
 * nothing changed). Only {@link TxnRules valid} transactions reach here.
 *
 * <p>A range op sees the writes of the ops before it, as in etcd. Key-values in the result (ranges,
 * previous key-values) draw from a {@link ResultBudget}: a range op that runs out returns what fit
 * with {@code more} set; previous key-values that do not fit are left out.
 */
final class Transaction {

  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private Transaction() {}

  /**
   * The result of {@code op}, its revision left for the caller to set once the write transaction
   * ended. A put of the branch that runs naming a lease that does not exist refuses the whole
   * transaction (LEASE_NOT_FOUND) before anything is written, as etcd does: a write transaction
   * cannot be taken back.
   *
   * @param leaseExists whether a lease id exists now
   */
  static CommandResult.Builder run(TxnOp op, WriteTxn txn, ResultBudget budget, LongPredicate leaseExists) {
    boolean succeeded = true;
    for (TxnCompare compare : op.getComparesList()) {
      if (!holds(compare, txn)) {
        succeeded = false;
        break;
      }
    }
    List<TxnRequestOp> branch = succeeded ? op.getSuccessList() : op.getFailureList();
    for (TxnRequestOp request : branch) {
      long lease = request.getPut().getLease();
      if (request.getOpCase() == TxnRequestOp.OpCase.PUT && lease != 0 && !leaseExists.test(lease)) {
        return LeaseCommands.notFound(lease, txn.revision() - 1).toBuilder();
      }
    }
    CommandResult.Builder result = CommandResult.newBuilder().setSucceeded(succeeded);
    for (TxnRequestOp request : branch) {
      result.addResponses(switch (request.getOpCase()) {
        case PUT -> TxnOpResult.newBuilder().setPut(put(request.getPut(), txn, budget)).build();
        case DELETE -> TxnOpResult.newBuilder().setDelete(delete(request.getDelete(), txn, budget)).build();
        case RANGE -> TxnOpResult.newBuilder().setRange(range(request.getRange(), txn, budget)).build();
        case OP_NOT_SET -> throw new IllegalStateException("validated before");
      });
    }
    return result;
  }

  /**
   * Deletes the range of {@code op}: the deleted count, and their previous key-values in key order
   * when asked for, as many as {@code budget} allows.
   */
  static DeleteOpResult delete(DeleteOp op, WriteTxn txn, ResultBudget budget) {
    List<Event> deleted = txn.delete(KeyRange.of(op.getKey(), op.getRangeEnd(), op.getPrefix()));
    DeleteOpResult.Builder result = DeleteOpResult.newBuilder().setDeleted(deleted.size());
    if (op.getPrevKv()) {
      for (Event e : deleted) {
        if (!budget.take(e.prevKv())) {
          break;
        }
        result.addPrevKvs(e.prevKv().toStored());
      }
    }
    return result.build();
  }

  /**
   * Whether {@code compare} holds for every key of its range; an empty range compares as one absent
   * key, as in etcd: version, create and mod revision and lease 0, and no value (a VALUE compare
   * with an absent key is false).
   */
  private static boolean holds(TxnCompare compare, WriteTxn txn) {
    boolean[] any = {false};
    boolean[] all = {true};
    scan(txn, KeyRange.of(compare.getKey(), compare.getRangeEnd(), compare.getPrefix()), kv -> {
      any[0] = true;
      all[0] = holdsFor(compare, kv);
      return all[0];
    });
    if (!any[0]) {
      return compare.getTarget() != TxnCompare.Target.VALUE && holdsFor(compare, null);
    }
    return all[0];
  }

  private static boolean holdsFor(TxnCompare compare, KeyValue kv) {
    int order = switch (compare.getTarget()) {
      case VERSION -> Long.compare(kv == null ? 0 : kv.version(), compare.getNumber());
      case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), compare.getNumber());
      case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), compare.getNumber());
      case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), compare.getNumber());
      case VALUE -> BYTES.compare(kv.value(), compare.getValue());
      case UNRECOGNIZED -> throw new IllegalStateException("validated before");
    };
    return switch (compare.getResult()) {
      case EQUAL -> order == 0;
      case NOT_EQUAL -> order != 0;
      case GREATER -> order > 0;
      case LESS -> order < 0;
      case UNRECOGNIZED -> throw new IllegalStateException("validated before");
    };
  }

  private static PutOpResult put(PutOp op, WriteTxn txn, ResultBudget budget) {
    // The lease passes through as given: whether it exists is checked where leases are kept.
    Event e = txn.put(op.getKey(), op.getValue(), op.getLease());
    PutOpResult.Builder result = PutOpResult.newBuilder();
    if (op.getPrevKv() && e.prevKv() != null && budget.take(e.prevKv())) {
      result.setPrev(e.prevKv().toStored());
    }
    return result.build();
  }

  /**
   * Reads a range as the transaction sees it ({@link RangeQuery}: order, limit, keys-only,
   * count-only), then keeps of its entries those that fit the budget, in order; {@code more} when
   * any did not.
   */
  private static RangeOpResult range(RangeOp op, WriteTxn txn, ResultBudget budget) {
    RangeQuery query = RangeQuery.of(KeyRange.of(op.getKey(), op.getRangeEnd(), op.getPrefix()))
        .limited((int) op.getLimit(), Math.max(1, budget.left()))
        .sorted(sortTarget(op.getSortTarget()),
            op.getDescending() ? RangeQuery.Order.DESCEND : RangeQuery.Order.ASCEND)
        .showing(op.getKeysOnly(), op.getCountOnly());
    RangeResult read;
    try {
      read = query.run(txn.view());
    } catch (RevisionUnavailableException e) {
      throw new IllegalStateException("a transaction's view reads its own revision, which is always available", e);
    }
    RangeOpResult.Builder result = RangeOpResult.newBuilder().setCount(read.count());
    boolean cut = false;
    for (KeyValue kv : read.kvs()) {
      if (!budget.take(kv)) {
        cut = true;
        break;
      }
      result.addKvs(kv.toStored());
    }
    return result.setMore(read.more() || cut).build();
  }

  private static RangeQuery.SortTarget sortTarget(RangeOp.SortTarget target) {
    return switch (target) {
      case KEY -> RangeQuery.SortTarget.KEY;
      case VERSION -> RangeQuery.SortTarget.VERSION;
      case CREATE -> RangeQuery.SortTarget.CREATE;
      case MOD -> RangeQuery.SortTarget.MOD;
      case VALUE -> RangeQuery.SortTarget.VALUE;
      case UNRECOGNIZED -> throw new IllegalStateException("validated before");
    };
  }

  private static void scan(WriteTxn txn, KeyRange range, Predicate<KeyValue> visitor) {
    try {
      txn.view().scan(range, 0, false, visitor);
    } catch (RevisionUnavailableException e) {
      throw new IllegalStateException("a transaction's view reads its own revision, which is always available", e);
    }
  }
}
