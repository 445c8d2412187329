package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.RangeOp;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnOp;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What makes a transaction applicable, checked before it enters the log and again at apply (see
 * {@link CommandValidation}): every key range well formed, at most {@link #MAX_OPS} compares and
 * ops per branch (etcd's {@code --max-txn-ops}), and no key written twice in one branch: two puts
 * of one key, or a put of a key inside a range the branch deletes (etcd refuses both as "duplicate
 * key given in txn request"). Delete ranges may overlap: a key is deleted once.
 */
final class TxnRules {

  /**
   * Most compares, and most ops in each branch, of one transaction: etcd's default
   * {@code --max-txn-ops}. The client API documents the same number (RequestLimits.MAX_TXN_OPS).
   */
  static final int MAX_OPS = 128;

  /** Longest piece of a key quoted in a message: a key can be 4 KiB, a message travels in a trailer. */
  private static final int QUOTED_KEY_CHARS = 64;

  private TxnRules() {}

  /** What is wrong with {@code txn}, or null when it can be applied. */
  static String problem(TxnOp txn) {
    if (txn.getComparesCount() > MAX_OPS) {
      return "a transaction has at most " + MAX_OPS + " compares, this one has " + txn.getComparesCount();
    }
    for (int i = 0; i < txn.getComparesCount(); i++) {
      TxnCompare c = txn.getCompares(i);
      String range = rangeProblem(c.getKey(), c.getRangeEnd(), c.getPrefix());
      if (range != null) {
        return "compare " + i + ": " + range;
      }
      if (c.getResult() == TxnCompare.Result.UNRECOGNIZED || c.getTarget() == TxnCompare.Target.UNRECOGNIZED) {
        return "compare " + i + ": unknown comparison or target";
      }
    }
    String success = branchProblem("success", txn.getSuccessList());
    return success != null ? success : branchProblem("failure", txn.getFailureList());
  }

  /** What is wrong with a delete's range, or null. */
  static String deleteProblem(DeleteOp delete) {
    return rangeProblem(delete.getKey(), delete.getRangeEnd(), delete.getPrefix());
  }

  /** The key in quotes, cut to {@value #QUOTED_KEY_CHARS} characters. */
  static String quoted(String key) {
    return key.length() <= QUOTED_KEY_CHARS
        ? "\"" + key + "\""
        : "\"" + key.substring(0, QUOTED_KEY_CHARS) + "...\" (" + key.length() + " characters)";
  }

  private static String branchProblem(String branch, List<TxnRequestOp> ops) {
    if (ops.size() > MAX_OPS) {
      return "a transaction branch has at most " + MAX_OPS + " ops, its " + branch + " ops are " + ops.size();
    }
    Map<String, Integer> puts = new HashMap<>();
    List<KeyRange> deletes = new ArrayList<>();
    List<Integer> deleteOps = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      TxnRequestOp op = ops.get(i);
      String where = branch + " op " + i + ": ";
      switch (op.getOpCase()) {
        case PUT -> {
          String key = op.getPut().getKey();
          if (key.isEmpty()) {
            return where + "put needs a non-empty key";
          }
          Integer earlier = puts.putIfAbsent(key, i);
          if (earlier != null) {
            return where + "key " + quoted(key) + " is already put by " + branch + " op " + earlier
                + "; a transaction writes each key at most once";
          }
        }
        case DELETE -> {
          String range = deleteProblem(op.getDelete());
          if (range != null) {
            return where + range;
          }
          deletes.add(KeyRange.of(op.getDelete().getKey(), op.getDelete().getRangeEnd(), op.getDelete().getPrefix()));
          deleteOps.add(i);
        }
        case RANGE -> {
          RangeOp range = op.getRange();
          String problem = rangeProblem(range.getKey(), range.getRangeEnd(), range.getPrefix());
          if (problem != null) {
            return where + problem;
          }
          if (range.getLimit() < 0 || range.getLimit() > Integer.MAX_VALUE) {
            return where + "a range limit must be 0 (none) or positive, at most " + Integer.MAX_VALUE;
          }
          if (range.getSortTarget() == RangeOp.SortTarget.UNRECOGNIZED) {
            return where + "unknown sort target";
          }
        }
        case OP_NOT_SET -> {
          return where + "no operation";
        }
      }
    }
    for (Map.Entry<String, Integer> put : puts.entrySet()) {
      for (int d = 0; d < deletes.size(); d++) {
        if (deletes.get(d).contains(put.getKey())) {
          return branch + " op " + put.getValue() + ": key " + quoted(put.getKey()) + " is also deleted by "
              + branch + " op " + deleteOps.get(d) + "; a transaction writes each key at most once";
        }
      }
    }
    return null;
  }

  private static String rangeProblem(String key, String rangeEnd, boolean prefix) {
    try {
      KeyRange.of(key, rangeEnd, prefix);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
