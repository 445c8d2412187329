package dev.kvstore.failover.store;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.failover.history.Outcome;
import java.util.ArrayList;
import java.util.List;

/** Builds runs for tests: a store history and calls, with times as small numbers and ids in call order. */
final class StoreRunBuilder {

  static final String SCOPE = "run/";

  private final List<RevisionChanges> history = new ArrayList<>();
  private final List<StoreOperation> operations = new ArrayList<>();

  StoreRunBuilder revision(long revision, WatchEvent... events) {
    history.add(new RevisionChanges(revision, List.of(events)));
    return this;
  }

  StoreRunBuilder ok(int process, TxnRequest request, long invoke, long complete, TxnResponse response) {
    return add(new StoreOperation(operations.size() + 1, process, request, 0, invoke, complete, Outcome.OK, response));
  }

  StoreRunBuilder okAt(int process, TxnRequest request, long pastRevision, long invoke, long complete,
      TxnResponse response) {
    return add(new StoreOperation(operations.size() + 1, process, request, pastRevision, invoke, complete, Outcome.OK,
        response));
  }

  StoreRunBuilder failed(int process, TxnRequest request, long invoke, long complete) {
    return add(new StoreOperation(operations.size() + 1, process, request, 0, invoke, complete, Outcome.FAIL, null));
  }

  StoreRunBuilder unknown(int process, TxnRequest request, long invoke) {
    return add(new StoreOperation(operations.size() + 1, process, request, 0, invoke, StoreOperation.NOT_COMPLETED,
        Outcome.UNKNOWN, null));
  }

  private StoreRunBuilder add(StoreOperation op) {
    operations.add(op);
    return this;
  }

  List<RevisionChanges> history() {
    return List.copyOf(history);
  }

  StoreHistoryCheck.Result check(long startRevision) {
    return StoreHistoryCheck.check(startRevision, SCOPE, history, operations);
  }

  static KeyValue kv(String key, String value, long create, long mod, long version) {
    return KeyValue.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).setCreateRevision(create)
        .setModRevision(mod).setVersion(version).build();
  }

  /** A PUT event at {@code revision} of a key created at {@code create}, now at {@code version}. */
  static WatchEvent put(String key, String value, long create, long version, long revision) {
    return WatchEvent.newBuilder().setType(EventType.PUT).setKv(kv(key, value, create, revision, version)).build();
  }

  static WatchEvent delete(String key, long revision) {
    return WatchEvent.newBuilder().setType(EventType.DELETE)
        .setKv(KeyValue.newBuilder().setKey(key).setModRevision(revision)).build();
  }

  static TxnResponse answer(long revision, boolean succeeded, ResponseOp... responses) {
    return TxnResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision))
        .setSucceeded(succeeded).addAllResponses(List.of(responses)).build();
  }

  /** The answer of a put (or of a transaction of puts), at its revision. */
  static TxnResponse putAnswer(long revision, int puts) {
    ResponseOp[] ops = new ResponseOp[puts];
    java.util.Arrays.fill(ops, ResponseOp.newBuilder().setResponsePut(PutResponse.newBuilder().setSuccess(true)).build());
    return answer(revision, true, ops);
  }

  static TxnResponse deleteAnswer(long revision, long deleted) {
    return answer(revision, true, deleteResponse(deleted));
  }

  static ResponseOp deleteResponse(long deleted) {
    return ResponseOp.newBuilder().setResponseDeleteRange(DeleteRangeResponse.newBuilder().setDeleted(deleted)).build();
  }

  static ResponseOp rangeResponse(KeyValue... kvs) {
    return ResponseOp.newBuilder().setResponseRange(RangeResponse.newBuilder().setCount(kvs.length)
        .addAllKvs(List.of(kvs))).build();
  }

  /** The answer of a read at {@code revision}. */
  static TxnResponse readAnswer(long revision, KeyValue... kvs) {
    return answer(revision, true, rangeResponse(kvs));
  }
}
