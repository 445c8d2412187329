package dev.kvstore.failover.store;

import com.google.protobuf.ByteString;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.WatchEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The store as a plain sorted map, and a transaction run on it as kvstore's state machine runs one
 * (as etcd's): every compare evaluated on the state before, then the ops of the branch in order,
 * each range op seeing the writes of the ops before it, all changes at one revision. Deliberately
 * simple, so that a disagreement with the cluster is a finding about the cluster.
 *
 * <p>Range ops are modelled in key order (sort NONE or ASCEND by KEY) with limit, keys-only and
 * count-only; other sort orders throw {@link UnsupportedOperationException}.
 */
final class TxnModel {

  /** The keys of one state, in the store's key order. */
  static NavigableMap<String, KeyValue> emptyState() {
    return new TreeMap<>(KeySpan.KEY_ORDER);
  }

  /**
   * What a transaction did when run at {@code revision} on a state.
   *
   * @param succeeded whether every compare held
   * @param events    its changes, in the order made, in {@link RevisionChanges#comparable} form
   * @param responses the answers of its ops, in {@link #comparable} form
   * @param after     the state afterwards (the same map when nothing changed)
   */
  record Execution(boolean succeeded, List<WatchEvent> events, List<ResponseOp> responses,
      NavigableMap<String, KeyValue> after) {

    boolean changed() {
      return !events.isEmpty();
    }
  }

  private TxnModel() {
  }

  /** Runs {@code request} on {@code before} (left unchanged) as if applied at {@code revision}. */
  static Execution run(TxnRequest request, NavigableMap<String, KeyValue> before, long revision) {
    boolean succeeded = request.getCompareList().stream().allMatch(c -> holds(c, before));
    NavigableMap<String, KeyValue> state = new TreeMap<>(before);
    List<WatchEvent> events = new ArrayList<>();
    List<ResponseOp> responses = new ArrayList<>();
    for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
      responses.add(switch (op.getRequestCase()) {
        case REQUEST_PUT -> put(op.getRequestPut(), state, revision, events);
        case REQUEST_DELETE_RANGE -> delete(op.getRequestDeleteRange(), state, revision, events);
        case REQUEST_RANGE -> ResponseOp.newBuilder().setResponseRange(range(op.getRequestRange(), state)).build();
        case REQUEST_NOT_SET -> throw new IllegalArgumentException("an op without a request");
      });
    }
    return new Execution(succeeded, List.copyOf(events), List.copyOf(responses),
        events.isEmpty() ? before : Collections.unmodifiableNavigableMap(state));
  }

  /** Whether {@code compare} holds for every key of its span; an empty span compares as one absent key. */
  static boolean holds(Compare compare, NavigableMap<String, KeyValue> state) {
    KeySpan span = new KeySpan(compare.getKey(), compare.getRangeEnd(), compare.getPrefix());
    List<KeyValue> matching = state.values().stream().filter(kv -> span.contains(kv.getKey())).toList();
    if (matching.isEmpty()) {
      return compare.getTarget() != Compare.CompareTarget.VALUE && holdsFor(compare, null);
    }
    return matching.stream().allMatch(kv -> holdsFor(compare, kv));
  }

  private static boolean holdsFor(Compare compare, KeyValue kv) {
    int order = switch (compare.getTarget()) {
      case VERSION -> Long.compare(kv == null ? 0 : kv.getVersion(), compare.getVersion());
      case CREATE -> Long.compare(kv == null ? 0 : kv.getCreateRevision(), compare.getCreateRevision());
      case MOD -> Long.compare(kv == null ? 0 : kv.getModRevision(), compare.getModRevision());
      case LEASE -> Long.compare(kv == null ? 0 : kv.getLease(), compare.getLease());
      case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), compare.getValue());
      case UNRECOGNIZED -> throw new IllegalArgumentException("unknown compare target");
    };
    return switch (compare.getResult()) {
      case EQUAL -> order == 0;
      case NOT_EQUAL -> order != 0;
      case GREATER -> order > 0;
      case LESS -> order < 0;
      case UNRECOGNIZED -> throw new IllegalArgumentException("unknown compare result");
    };
  }

  private static ResponseOp put(PutRequest put, NavigableMap<String, KeyValue> state, long revision,
      List<WatchEvent> events) {
    KeyValue prev = state.get(put.getKey());
    KeyValue kv = KeyValue.newBuilder().setKey(put.getKey()).setValue(put.getValue())
        .setCreateRevision(prev == null ? revision : prev.getCreateRevision()).setModRevision(revision)
        .setVersion(prev == null ? 1 : prev.getVersion() + 1).setLease(put.getLease()).build();
    state.put(kv.getKey(), kv);
    events.add(WatchEvent.newBuilder().setType(EventType.PUT).setKv(kv).build());
    PutResponse.Builder response = PutResponse.newBuilder();
    if (put.getPrevKv() && prev != null) {
      response.setPrevKv(prev);
    }
    return ResponseOp.newBuilder().setResponsePut(response).build();
  }

  private static ResponseOp delete(DeleteRangeRequest delete, NavigableMap<String, KeyValue> state, long revision,
      List<WatchEvent> events) {
    KeySpan span = new KeySpan(delete.getKey(), delete.getRangeEnd(), delete.getPrefix());
    List<KeyValue> deleted = state.values().stream().filter(kv -> span.contains(kv.getKey())).toList();
    DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder().setDeleted(deleted.size());
    for (KeyValue kv : deleted) {
      state.remove(kv.getKey());
      events.add(RevisionChanges.comparable(WatchEvent.newBuilder().setType(EventType.DELETE)
          .setKv(KeyValue.newBuilder().setKey(kv.getKey()).setModRevision(revision)).build()));
      if (delete.getPrevKv()) {
        response.addPrevKvs(kv);
      }
    }
    return ResponseOp.newBuilder().setResponseDeleteRange(response).build();
  }

  /** A range read of {@code state}, in {@link #comparable} form. */
  static RangeResponse range(RangeRequest range, Map<String, KeyValue> state) {
    if (range.getSortOrder() == SortOrder.DESCEND || range.getSortTarget() != SortTarget.KEY) {
      throw new UnsupportedOperationException("the model reads ranges in key order only: " + range);
    }
    KeySpan span = new KeySpan(range.getKey(), range.getRangeEnd(), range.getPrefix());
    List<KeyValue> matching = state.values().stream().filter(kv -> span.contains(kv.getKey())).toList();
    RangeResponse.Builder response = RangeResponse.newBuilder().setCount(matching.size());
    if (range.getCountOnly()) {
      return response.setMore(false).build();
    }
    int shown = range.getLimit() > 0 ? (int) Math.min(range.getLimit(), matching.size()) : matching.size();
    for (KeyValue kv : matching.subList(0, shown)) {
      response.addKvs(range.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return response.setMore(shown < matching.size()).build();
  }

  /**
   * The answers as a retry of an applied request gets them (docs/api.md, "Retries"): counts and
   * outcome kept, the entries ranges read and the previous key-values left out.
   */
  static List<ResponseOp> asRetryAnswer(List<ResponseOp> responses) {
    return responses.stream().map(r -> switch (r.getResponseCase()) {
      case RESPONSE_PUT -> ResponseOp.newBuilder().setResponsePut(r.getResponsePut().toBuilder().clearPrevKv()).build();
      case RESPONSE_DELETE_RANGE -> ResponseOp.newBuilder().setResponseDeleteRange(r.getResponseDeleteRange()
          .toBuilder().clearPrevKvs()).build();
      case RESPONSE_RANGE -> ResponseOp.newBuilder().setResponseRange(r.getResponseRange().toBuilder().clearKvs())
          .build();
      case RESPONSE_NOT_SET -> r;
    }).toList();
  }

  /** An answer reduced to what the model predicts: no headers, page tokens or success flags. */
  static ResponseOp comparable(ResponseOp response) {
    return switch (response.getResponseCase()) {
      case RESPONSE_PUT -> ResponseOp.newBuilder().setResponsePut(response.getResponsePut().toBuilder()
          .clearHeader().clearSuccess()).build();
      case RESPONSE_DELETE_RANGE -> ResponseOp.newBuilder().setResponseDeleteRange(response.getResponseDeleteRange()
          .toBuilder().clearHeader()).build();
      case RESPONSE_RANGE -> ResponseOp.newBuilder().setResponseRange(response.getResponseRange().toBuilder()
          .clearHeader().clearNextPageToken()).build();
      case RESPONSE_NOT_SET -> response;
    };
  }
}
