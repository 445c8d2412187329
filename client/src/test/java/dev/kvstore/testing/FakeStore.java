package dev.kvstore.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The data of a fake cluster: keys with revisions, the history of changes for watch replay, and
 * the request ids already applied with their commands, shared by every fake node that serves it.
 */
public final class FakeStore {

  /** What a write did: its revision and the entry it replaced or removed, if any. */
  public record WriteResult(long revision, Optional<KeyValue> previous) {}

  /** A remembered request: the command applied under its id (compared as a node compares digests) and its result. */
  private record Applied(Message command, Object result) {}

  /** One page of a range read, as the node's {@code MvccStore.range} returns it. */
  public record Page(List<KeyValue> kvs, long count, boolean more, long revision) {}

  /** Unicode code point order, which is UTF-8 byte order: the node's key order (its {@code KeyOrder}). */
  public static final Comparator<String> KEY_ORDER = (a, b) ->
      Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final TreeMap<String, KeyValue> data = new TreeMap<>(KEY_ORDER);
  private final List<WatchResponse> history = new ArrayList<>();
  private final Map<RequestId, Applied> applied = new HashMap<>();
  private final List<Consumer<WatchResponse>> listeners = new ArrayList<>();
  private long revision;
  private long compactedThrough;

  /** Sets a key, as a put request without prev_kv would; see {@link #put(String, ByteString, RequestId, Message)}. */
  public WriteResult put(String key, ByteString value, RequestId id) {
    return put(key, value, id, PutRequest.newBuilder().setKey(key).setValue(value).build());
  }

  /**
   * Sets a key. A request id seen before is not applied again, as on a node: when {@code command}
   * (the request without its id) is the one applied under that id, the first result is returned;
   * when it is another, the write is refused with FAILED_PRECONDITION.
   *
   * @param id the request id, or null for none
   * @throws StatusRuntimeException FAILED_PRECONDITION for an id already used by another command
   */
  public synchronized WriteResult put(String key, ByteString value, RequestId id, Message command) {
    WriteResult earlier = earlierResult(id, command);
    if (earlier != null) {
      return earlier;
    }
    revision++;
    KeyValue previous = data.get(key);
    KeyValue next = KeyValue.newBuilder()
        .setKey(key)
        .setValue(value)
        .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
        .setModRevision(revision)
        .setVersion(previous == null ? 1 : previous.getVersion() + 1)
        .build();
    data.put(key, next);
    WriteResult result = new WriteResult(revision, Optional.ofNullable(previous));
    remember(id, command, result);
    emit(WatchResponse.newBuilder()
        .setType(EventType.PUT)
        .setKey(key)
        .setValue(value)
        .setRevision(revision)
        .setKv(next)
        .setMessage("PUT " + key + " = " + value.toStringUtf8())
        .build());
    return result;
  }

  /** Removes a key, as a delete request would; see {@link #delete(String, RequestId, Message)}. */
  public WriteResult delete(String key, RequestId id) {
    return delete(key, id, DeleteRequest.newBuilder().setKey(key).build());
  }

  /**
   * Removes a key; the result's previous entry is empty when it did not exist. Request ids are
   * handled as by {@link #put(String, ByteString, RequestId, Message)}.
   */
  public synchronized WriteResult delete(String key, RequestId id, Message command) {
    WriteResult earlier = earlierResult(id, command);
    if (earlier != null) {
      return earlier;
    }
    KeyValue previous = data.remove(key);
    if (previous == null) {
      WriteResult result = new WriteResult(revision, Optional.empty());
      remember(id, command, result);
      return result;
    }
    revision++;
    WriteResult result = new WriteResult(revision, Optional.of(previous));
    remember(id, command, result);
    emit(WatchResponse.newBuilder()
        .setType(EventType.DELETE)
        .setKey(key)
        .setRevision(revision)
        .setKv(KeyValue.newBuilder().setKey(key).setModRevision(revision))
        .setMessage("DELETE " + key)
        .build());
    return result;
  }

  public synchronized Optional<KeyValue> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  public synchronized List<KeyValue> withPrefix(String prefix) {
    return data.tailMap(prefix, true).values().stream()
        .takeWhile(kv -> kv.getKey().startsWith(prefix))
        .toList();
  }

  /**
   * The entries under {@code prefix} after {@code startAfter}, in key order, as the node's
   * {@code MvccStore.range}: at most {@code limit}, and no more than {@code maxBytes} of
   * {@link #approximateSize} (but always the first one); {@code count} counts every match.
   */
  public synchronized Page range(String prefix, String startAfter, int limit, long maxBytes) {
    String from = KEY_ORDER.compare(startAfter, prefix) > 0 ? startAfter : prefix;
    boolean inclusive = !from.equals(startAfter) || startAfter.isEmpty();
    List<KeyValue> page = new ArrayList<>();
    long count = 0;
    long bytes = 0;
    boolean full = false;
    for (KeyValue kv : data.tailMap(from, inclusive).values()) {
      if (!kv.getKey().startsWith(prefix)) {
        break;
      }
      if (!full && page.size() < limit && (page.isEmpty() || bytes + approximateSize(kv) <= maxBytes)) {
        page.add(kv);
        bytes += approximateSize(kv);
      } else {
        full = true;
      }
      count++;
    }
    return new Page(page, count, count > page.size(), revision);
  }

  /**
   * The entries of a request's key / range_end / prefix triple (as {@code RequestLimits.checkKeyRange}
   * accepts it), in key order, with the revision they are at.
   */
  public synchronized Page inRange(String key, String rangeEnd, boolean prefix) {
    List<KeyValue> kvs = prefix ? withPrefix(key)
        : rangeEnd.isEmpty() ? get(key).stream().toList()
        : rangeEnd.equals("\0") ? List.copyOf(data.tailMap(key, true).values())
        : List.copyOf(data.subMap(key, true, rangeEnd, false).values());
    return new Page(kvs, kvs.size(), false, revision);
  }

  /** The size a node charges an entry against a page's byte budget (its {@code KeyValue.approximateSize}). */
  public static long approximateSize(KeyValue kv) {
    return 64L + 2L * kv.getKey().length() + kv.getValue().size();
  }

  public synchronized long revision() {
    return revision;
  }

  /** Forgets the history up to and including {@code throughRevision}. */
  public synchronized void compact(long throughRevision) {
    compactedThrough = throughRevision;
    history.removeIf(event -> event.getRevision() <= throughRevision);
  }

  public synchronized long compactedThrough() {
    return compactedThrough;
  }

  /**
   * Registers a listener of future changes and returns the retained changes from
   * {@code fromRevision} on (empty for 0), atomically, so nothing falls between the two.
   */
  public synchronized List<WatchResponse> subscribe(long fromRevision, Consumer<WatchResponse> listener) {
    listeners.add(listener);
    return fromRevision <= 0
        ? List.of()
        : history.stream().filter(event -> event.getRevision() >= fromRevision).toList();
  }

  public synchronized void unsubscribe(Consumer<WatchResponse> listener) {
    listeners.remove(listener);
  }

  /** The result of the earlier apply of {@code command} under {@code id}, or null when there is none. */
  private WriteResult earlierResult(RequestId id, Message command) {
    return (WriteResult) earlier(id, command);
  }

  /** As {@link #earlierResult}, for any kind of result. */
  private Object earlier(RequestId id, Message command) {
    Applied earlier = id == null ? null : applied.get(id);
    if (earlier == null) {
      return null;
    }
    if (!earlier.command().equals(command)) {
      throw Status.FAILED_PRECONDITION
          .withDescription("request id (client " + HexFormat.of().formatHex(id.getClientId().toByteArray())
              + ", sequence " + id.getSequence() + ") was already used for a different write at revision "
              + revisionOf(earlier.result()) + "; use a new sequence number")
          .asRuntimeException();
    }
    return earlier.result();
  }

  private static long revisionOf(Object result) {
    return result instanceof WriteResult w ? w.revision() : result instanceof TxnResponse t
        ? t.getHeader().getRevision() : ((DeleteRangeResponse) result).getHeader().getRevision();
  }

  /**
   * A transaction as a node applies it: compares on the current entries (a range compares every
   * key; an empty one as an absent key), then one branch with all its writes at one revision, ranges
   * seeing the writes before them. Request ids as {@link #put(String, ByteString, RequestId, Message)}.
   * No op limit, duplicate-key check or response budget: the node's rules are tested there.
   */
  public synchronized TxnResponse txn(TxnRequest request) {
    RequestId id = request.hasRequestId() ? request.getRequestId() : null;
    TxnRequest command = request.toBuilder().clearRequestId().build();
    Object earlier = earlier(id, command);
    if (earlier != null) {
      return (TxnResponse) earlier;
    }
    boolean succeeded = request.getCompareList().stream().allMatch(this::holds);
    long at = revision + 1;
    List<WatchResponse> events = new ArrayList<>();
    TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
    for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_PUT -> {
          PutRequest put = op.getRequestPut();
          KeyValue previous = data.get(put.getKey());
          KeyValue next = KeyValue.newBuilder().setKey(put.getKey()).setValue(put.getValue()).setModRevision(at)
              .setCreateRevision(previous == null ? at : previous.getCreateRevision())
              .setVersion(previous == null ? 1 : previous.getVersion() + 1).build();
          data.put(put.getKey(), next);
          events.add(WatchResponse.newBuilder().setType(EventType.PUT).setKey(put.getKey()).setValue(put.getValue())
              .setRevision(at).setKv(next).build());
          PutResponse.Builder r = PutResponse.newBuilder().setSuccess(true);
          if (put.getPrevKv() && previous != null) {
            r.setPrevKv(previous);
          }
          response.addResponses(ResponseOp.newBuilder().setResponsePut(r));
        }
        case REQUEST_DELETE_RANGE -> response.addResponses(ResponseOp.newBuilder()
            .setResponseDeleteRange(deleteAt(op.getRequestDeleteRange(), at, events)));
        case REQUEST_RANGE -> {
          RangeRequest range = op.getRequestRange();
          List<KeyValue> kvs = inRange(range.getKey(), range.getRangeEnd(), range.getPrefix()).kvs();
          response.addResponses(ResponseOp.newBuilder().setResponseRange(RangeResponse.newBuilder()
              .addAllKvs(range.getCountOnly() ? List.of() : kvs).setCount(kvs.size())));
        }
        case REQUEST_NOT_SET -> throw Status.INVALID_ARGUMENT.withDescription("no operation").asRuntimeException();
      }
    }
    if (!events.isEmpty()) {
      revision = at;
    }
    TxnResponse result = response.setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
    remember(id, command, result);
    events.forEach(this::emit);
    return result;
  }

  /** A DeleteRange at one revision, request ids handled as by {@link #txn}. */
  public synchronized DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
    RequestId id = request.hasRequestId() ? request.getRequestId() : null;
    DeleteRangeRequest command = request.toBuilder().clearRequestId().build();
    Object earlier = earlier(id, command);
    if (earlier != null) {
      return (DeleteRangeResponse) earlier;
    }
    List<WatchResponse> events = new ArrayList<>();
    DeleteRangeResponse result = deleteAt(command, revision + 1, events);
    if (!events.isEmpty()) {
      revision++;
    }
    result = result.toBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
    remember(id, command, result);
    events.forEach(this::emit);
    return result;
  }

  private DeleteRangeResponse deleteAt(DeleteRangeRequest request, long at, List<WatchResponse> events) {
    DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder();
    for (KeyValue kv : inRange(request.getKey(), request.getRangeEnd(), request.getPrefix()).kvs()) {
      data.remove(kv.getKey());
      events.add(WatchResponse.newBuilder().setType(EventType.DELETE).setKey(kv.getKey()).setRevision(at)
          .setKv(KeyValue.newBuilder().setKey(kv.getKey()).setModRevision(at)).build());
      if (request.getPrevKv()) {
        response.addPrevKvs(kv);
      }
    }
    return response.setDeleted(events.size()).build();
  }

  private boolean holds(Compare c) {
    List<KeyValue> kvs = inRange(c.getKey(), c.getRangeEnd(), c.getPrefix()).kvs();
    if (kvs.isEmpty()) {
      return c.getTarget() != Compare.CompareTarget.VALUE && holds(c, KeyValue.getDefaultInstance());
    }
    return kvs.stream().allMatch(kv -> holds(c, kv));
  }

  private static boolean holds(Compare c, KeyValue kv) {
    int order = switch (c.getTarget()) {
      case VERSION -> Long.compare(kv.getVersion(), c.getVersion());
      case CREATE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
      case MOD -> Long.compare(kv.getModRevision(), c.getModRevision());
      case LEASE -> Long.compare(kv.getLease(), c.getLease());
      case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), c.getValue());
      case UNRECOGNIZED -> throw Status.INVALID_ARGUMENT.withDescription("unknown target").asRuntimeException();
    };
    return switch (c.getResult()) {
      case EQUAL -> order == 0;
      case NOT_EQUAL -> order != 0;
      case GREATER -> order > 0;
      case LESS -> order < 0;
      case UNRECOGNIZED -> throw Status.INVALID_ARGUMENT.withDescription("unknown result").asRuntimeException();
    };
  }

  private void remember(RequestId id, Message command, Object result) {
    if (id != null && id.getSequence() > 0) {
      applied.put(id, new Applied(command, result));
    }
  }

  private void emit(WatchResponse event) {
    history.add(event);
    List.copyOf(listeners).forEach(listener -> listener.accept(event));
  }
}
