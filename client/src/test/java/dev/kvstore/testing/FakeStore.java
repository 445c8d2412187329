package dev.kvstore.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestId;
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
  private record Applied(Message command, WriteResult result) {}

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
    Applied earlier = id == null ? null : applied.get(id);
    if (earlier == null) {
      return null;
    }
    if (!earlier.command().equals(command)) {
      throw Status.FAILED_PRECONDITION
          .withDescription("request id (client " + HexFormat.of().formatHex(id.getClientId().toByteArray())
              + ", sequence " + id.getSequence() + ") was already used for a different write at revision "
              + earlier.result().revision() + "; use a new sequence number")
          .asRuntimeException();
    }
    return earlier.result();
  }

  private void remember(RequestId id, Message command, WriteResult result) {
    if (id != null && id.getSequence() > 0) {
      applied.put(id, new Applied(command, result));
    }
  }

  private void emit(WatchResponse event) {
    history.add(event);
    List.copyOf(listeners).forEach(listener -> listener.accept(event));
  }
}
