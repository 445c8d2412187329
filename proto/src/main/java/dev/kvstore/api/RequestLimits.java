package dev.kvstore.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The documented limits on client requests, and the checks that enforce them, shared by the node
 * (which answers a request beyond a limit with {@code INVALID_ARGUMENT}) and the Java client
 * (which refuses to send it, with the same message). Part of the wire contract, like the protos.
 *
 * <p>Every check throws a {@link StatusRuntimeException} with code {@code INVALID_ARGUMENT} whose
 * description says what is wrong and what is allowed, and never quotes the request's own content
 * (a key can be 4 KiB, and a status description travels in an HTTP/2 trailer of bounded size).
 */
public final class RequestLimits {

  /** Longest key, prefix or {@code start_after}, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 4096;
  /** Largest value, in bytes (1 MiB). */
  public static final int MAX_VALUE_BYTES = 1 << 20;
  /** Most entries one GetAll returns; a request's {@code limit} of 0 means this. */
  public static final int MAX_RANGE_LIMIT = 10_000;
  /**
   * Approximate byte budget of one GetAll response (3 MiB). Together with the value limit this
   * keeps every response below the 4 MiB that gRPC clients accept by default.
   */
  public static final long MAX_RANGE_BYTES = 3L << 20;
  /**
   * Most compares of one Txn, and most ops in each of its branches: etcd's default
   * {@code --max-txn-ops}.
   */
  public static final int MAX_TXN_OPS = 128;
  /** Shortest and longest {@code request_id.client_id}, in bytes. */
  public static final int MIN_CLIENT_ID_BYTES = 8;
  public static final int MAX_CLIENT_ID_BYTES = 64;
  /**
   * Largest encoded request message a node parses (2 MiB). The largest valid request, a Put with
   * a maximal key, value and request id, is about 1 MiB + 4 KiB; anything larger breaks a limit
   * above, so a node rejects it with {@code INVALID_ARGUMENT} without reading it into memory.
   */
  public static final int MAX_REQUEST_BYTES = 2 * MAX_VALUE_BYTES;
  /**
   * Largest request metadata (the call's headers), in bytes as HTTP/2 counts a header list: each
   * name and value plus 32 (8 KiB, gRPC's usual default). kvstore reads no metadata of its own;
   * the limit keeps a client from making a node hold large headers.
   */
  public static final int MAX_METADATA_BYTES = 8 << 10;

  /** The {@code range_end} that means "every key at or after {@code key}", as in etcd. */
  public static final String ALL_FROM_KEY = "\0";

  private RequestLimits() {}

  /**
   * @param bytes the request metadata's size, counted as {@link #MAX_METADATA_BYTES} says
   * @throws StatusRuntimeException INVALID_ARGUMENT naming the metadata limit
   */
  public static void checkMetadataSize(long bytes) {
    if (bytes > MAX_METADATA_BYTES) {
      throw invalid("request metadata (headers) is " + bytes + " bytes; the maximum is " + MAX_METADATA_BYTES
          + " bytes (each header's name and value, plus 32)");
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(PutRequest r) {
    checkKey(r.getKey(), "key");
    checkValueSize(r.getValue().size());
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(DeleteRequest r) {
    checkKey(r.getKey(), "key");
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(GetRequest r) {
    checkKey(r.getKey(), "key");
    checkConsistency(r.getConsistencyValue());
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(GetAllRequest r) {
    checkLength(r.getPrefix(), "prefix");
    checkLength(r.getStartAfter(), "start_after");
    checkConsistency(r.getConsistencyValue());
    if (r.getLimit() < 0 || r.getLimit() > MAX_RANGE_LIMIT) {
      throw invalid("limit is " + r.getLimit() + "; use 1.." + MAX_RANGE_LIMIT + ", or 0 for the maximum");
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(WatchRequest r) {
    if (r.getPrefix()) {
      checkLength(r.getKey(), "prefix");
    } else {
      checkKey(r.getKey(), "key");
    }
    if (r.getStartRevision() < 0) {
      throw invalid("start_revision is " + r.getStartRevision() + "; use 0 (from now) or a revision >= 1");
    }
  }

  /** Most watches one stream of the {@code Watch} service holds at a time. */
  public static final int MAX_WATCHES_PER_STREAM = 1_000;

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(WatchCreateRequest r) {
    checkKeyRange(r.getKey(), r.getRangeEnd(), r.getPrefix());
    if (r.getStartRevision() < 0) {
      throw invalid("start_revision is " + r.getStartRevision() + "; use 0 (from now) or a revision >= 1");
    }
    if (r.getWatchId() < 0) {
      throw invalid("watch_id is " + r.getWatchId() + "; use 0 (the server picks one) or an id >= 1");
    }
    for (int filter : r.getFiltersValueList()) {
      if (filter != WatchFilterType.NOPUT_VALUE && filter != WatchFilterType.NODELETE_VALUE) {
        throw invalid("filter " + filter + " is unknown; use NOPUT (0) or NODELETE (1)");
      }
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(CompactRequest r) {
    if (r.getRevision() < 1) {
      throw invalid("revision is " + r.getRevision() + "; compact at a revision >= 1 (history before it is discarded)");
    }
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  /** @throws StatusRuntimeException INVALID_ARGUMENT naming the limit the request breaks */
  public static void check(DeleteRangeRequest r) {
    checkKeyRange(r.getKey(), r.getRangeEnd(), r.getPrefix());
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  /**
   * Checks a transaction: at most {@link #MAX_TXN_OPS} compares and ops per branch; each compare's
   * key range, known result and target, and a value (target_union) of the kind its target names;
   * each op as its own request would be checked, without a request id of its own (the
   * transaction's covers it) and, for a range, at the transaction's own revision (revision 0) and
   * without a page token; and the whole request within {@link #MAX_REQUEST_BYTES}. A key written
   * twice in one branch is refused by the node, which knows the key order.
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT naming the compare or op and what is allowed
   */
  public static void check(TxnRequest r) {
    if (r.getCompareCount() > MAX_TXN_OPS) {
      throw invalid("the transaction has " + r.getCompareCount() + " compares; the maximum is " + MAX_TXN_OPS);
    }
    for (int i = 0; i < r.getCompareCount(); i++) {
      Compare c = r.getCompare(i);
      in("compare " + i, () -> checkCompare(c));
    }
    checkOps(r.getSuccessList(), "success");
    checkOps(r.getFailureList(), "failure");
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
    if (r.getSerializedSize() > MAX_REQUEST_BYTES) {
      throw invalid(oversizeRequest(TxnRequest.getDescriptor().getFullName(), r.getSerializedSize()));
    }
  }

  private static void checkCompare(Compare c) {
    checkKeyRange(c.getKey(), c.getRangeEnd(), c.getPrefix());
    if (Compare.CompareResult.forNumber(c.getResultValue()) == null) {
      throw invalid("result " + c.getResultValue() + " is unknown; use EQUAL (0), GREATER (1), LESS (2) or"
          + " NOT_EQUAL (3)");
    }
    Compare.TargetUnionCase expected = switch (c.getTargetValue()) {
      case Compare.CompareTarget.VERSION_VALUE -> Compare.TargetUnionCase.VERSION;
      case Compare.CompareTarget.CREATE_VALUE -> Compare.TargetUnionCase.CREATE_REVISION;
      case Compare.CompareTarget.MOD_VALUE -> Compare.TargetUnionCase.MOD_REVISION;
      case Compare.CompareTarget.VALUE_VALUE -> Compare.TargetUnionCase.VALUE;
      case Compare.CompareTarget.LEASE_VALUE -> Compare.TargetUnionCase.LEASE;
      default -> throw invalid("target " + c.getTargetValue() + " is unknown; use VERSION (0), CREATE (1), MOD (2),"
          + " VALUE (3) or LEASE (4)");
    };
    if (c.getTargetUnionCase() != expected) {
      throw invalid("target " + c.getTarget() + " compares with the field " + expected.name().toLowerCase()
          + ", which must be set (even to 0 or empty); "
          + (c.getTargetUnionCase() == Compare.TargetUnionCase.TARGETUNION_NOT_SET
              ? "none is" : c.getTargetUnionCase().name().toLowerCase() + " is set instead"));
    }
    checkValueSize(c.getValue().size());
  }

  private static void checkOps(java.util.List<RequestOp> ops, String branch) {
    if (ops.size() > MAX_TXN_OPS) {
      throw invalid("the transaction has " + ops.size() + " " + branch + " ops; the maximum is " + MAX_TXN_OPS);
    }
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      in(branch + " op " + i, () -> checkOp(op));
    }
  }

  private static void checkOp(RequestOp op) {
    switch (op.getRequestCase()) {
      case REQUEST_PUT -> {
        check(op.getRequestPut());
        noOwnRequestId(op.getRequestPut().hasRequestId());
      }
      case REQUEST_DELETE_RANGE -> {
        check(op.getRequestDeleteRange());
        noOwnRequestId(op.getRequestDeleteRange().hasRequestId());
      }
      case REQUEST_RANGE -> checkRangeInTxn(op.getRequestRange());
      case REQUEST_NOT_SET -> throw invalid("no operation: set request_put, request_delete_range or request_range");
    }
  }

  private static void checkRangeInTxn(RangeRequest r) {
    if (r.getRevision() != 0) {
      throw invalid("a range in a transaction reads the transaction's own state: revision must be 0 (read older"
          + " revisions with Range)");
    }
    if (!r.getPageToken().isEmpty()) {
      throw invalid("a range in a transaction has no pages: page_token must be empty (read the rest with Range at"
          + " the transaction's revision)");
    }
    check(r);
  }

  private static void noOwnRequestId(boolean set) {
    if (set) {
      throw invalid("an op has no request_id of its own: set the transaction's");
    }
  }

  /** Runs {@code check}, its INVALID_ARGUMENT description prefixed with {@code where}. */
  private static void in(String where, Runnable check) {
    try {
      check.run();
    } catch (StatusRuntimeException e) {
      throw invalid(where + ": " + e.getStatus().getDescription());
    }
  }

  /**
   * As etcd's Range checks: the key range ({@link #checkKeyRange}), a limit of 0 (the maximum) to
   * {@link #MAX_RANGE_LIMIT}, a revision of 0 (the current one) or more, known sort and consistency
   * values, and a page token that came from a Range response for the same range and order
   * ({@link RangePageToken#of}).
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT naming the field and what is allowed
   */
  public static void check(RangeRequest r) {
    checkKeyRange(r.getKey(), r.getRangeEnd(), r.getPrefix());
    if (r.getLimit() < 0 || r.getLimit() > MAX_RANGE_LIMIT) {
      throw invalid("limit is " + r.getLimit() + "; use 1.." + MAX_RANGE_LIMIT + ", or 0 for the maximum");
    }
    if (r.getRevision() < 0) {
      throw invalid("revision is " + r.getRevision() + "; use 0 (the current revision) or a revision >= 1");
    }
    if (SortOrder.forNumber(r.getSortOrderValue()) == null) {
      throw invalid("sort_order " + r.getSortOrderValue() + " is unknown; use NONE (0), ASCEND (1) or DESCEND (2)");
    }
    if (SortTarget.forNumber(r.getSortTargetValue()) == null) {
      throw invalid("sort_target " + r.getSortTargetValue() + " is unknown; use KEY (0), VERSION (1), CREATE (2),"
          + " MOD (3) or VALUE (4)");
    }
    checkConsistency(r.getConsistencyValue());
    if (!r.getPageToken().isEmpty()) {
      RangePageToken.of(r);
    }
  }

  /**
   * Checks the keys a request covers, given as the proto's key / range_end / prefix triple: exactly
   * {@code key} (range_end empty), every key starting with {@code key} (prefix), every key from
   * {@code key} on (range_end "\0"), or the interval [key, range_end), which must not be empty.
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT saying which rule the triple breaks
   */
  public static void checkKeyRange(String key, String rangeEnd, boolean prefix) {
    if (prefix) {
      if (!rangeEnd.isEmpty()) {
        throw invalid("prefix and range_end exclude each other: give a prefix, or an interval [key, range_end)");
      }
      checkLength(key, "prefix");
    } else if (rangeEnd.isEmpty()) {
      checkKey(key, "key");
    } else {
      checkLength(key, "key");
      checkLength(rangeEnd, "range_end");
      if (!rangeEnd.equals(ALL_FROM_KEY) && compareKeys(rangeEnd, key) <= 0) {
        throw invalid("the interval [key, range_end) is empty: range_end must sort after key (keys are ordered by"
            + " their UTF-8 bytes); use range_end \"\\0\" for every key from key on");
      }
    }
  }

  /** Compares keys in the order of their UTF-8 bytes, which is the order of their code points. */
  private static int compareKeys(String a, String b) {
    return java.util.Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
  }

  /**
   * Checks the size of a value before it is read, such as a file's length: a 5 GB file can be
   * refused without reading it.
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT when {@code bytes} exceeds {@link #MAX_VALUE_BYTES}
   */
  public static void checkValueSize(long bytes) {
    if (bytes > MAX_VALUE_BYTES) {
      throw invalid("value is " + bytes + " bytes; the maximum is " + MAX_VALUE_BYTES + " bytes (1 MiB)");
    }
  }

  /**
   * The description a node gives a request message larger than {@link #MAX_REQUEST_BYTES}.
   *
   * @param messageType the request's type, e.g. {@code kvstore.PutRequest}
   * @param size        its encoded size in bytes, or -1 when only "larger than the maximum" is known
   *                    (a compressed request is not decompressed beyond the maximum)
   */
  public static String oversizeRequest(String messageType, long size) {
    return "the " + messageType + " is " + (size < 0 ? "more than " + MAX_REQUEST_BYTES : Long.toString(size))
        + " bytes, larger than any valid request: keys are at most " + MAX_KEY_BYTES
        + " bytes of UTF-8 and values at most " + MAX_VALUE_BYTES + " bytes (1 MiB)";
  }

  private static void checkKey(String key, String what) {
    if (key.isEmpty()) {
      throw invalid(what + " is empty; keys are non-empty UTF-8 strings of at most " + MAX_KEY_BYTES + " bytes");
    }
    checkLength(key, what);
  }

  private static void checkLength(String key, String what) {
    long bytes = utf8Length(key);
    if (bytes < 0) {
      // Only a Java caller can get here: protobuf would send such a string with '?' in place of
      // the unpaired surrogate, so the key written would not be the key asked for.
      throw invalid(what + " is not valid Unicode (it holds an unpaired surrogate at index " + (-bytes - 1)
          + "); keys are UTF-8 strings");
    }
    if (bytes > MAX_KEY_BYTES) {
      throw invalid(what + " is " + bytes + " bytes; the maximum is " + MAX_KEY_BYTES + " bytes of UTF-8");
    }
  }

  /** UTF-8 length of {@code s} without encoding it, or -(index + 1) of its first unpaired surrogate. */
  private static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (!Character.isSurrogate(c)) {
        bytes += 3;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        return -(i + 1L);
      }
    }
    return bytes;
  }

  private static void checkConsistency(int value) {
    if (value != ReadConsistency.LINEARIZABLE_VALUE && value != ReadConsistency.SERIALIZABLE_VALUE) {
      throw invalid("consistency " + value + " is unknown; use LINEARIZABLE (0) or SERIALIZABLE (1)");
    }
  }

  /** A request id's client id of {@link #MIN_CLIENT_ID_BYTES}..{@link #MAX_CLIENT_ID_BYTES} bytes and sequence >= 1. */
  public static void checkRequestId(RequestId id) {
    int size = id.getClientId().size();
    if (size < MIN_CLIENT_ID_BYTES || size > MAX_CLIENT_ID_BYTES || id.getSequence() == 0) {
      throw invalid("request_id needs a client_id of " + MIN_CLIENT_ID_BYTES + "-" + MAX_CLIENT_ID_BYTES
          + " bytes (16 random bytes recommended) and a sequence >= 1");
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
