package dev.kvstore.testing;

import com.google.protobuf.ByteString;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The data of a fake cluster: keys with revisions, the history of changes for watch replay, and
 * the request ids already applied, shared by every fake node that serves it.
 */
public final class FakeStore {

  /** What a write did: its revision and the entry it replaced or removed, if any. */
  public record WriteResult(long revision, Optional<KeyValue> previous) {}

  /** One page of a range read, as the node's {@code KeyValueStore.range} returns it. */
  public record Page(List<KeyValue> kvs, long count, boolean more, long revision) {}

  /** Unicode code point order, which is UTF-8 byte order: the node's key order (its {@code KeyOrder}). */
  public static final Comparator<String> KEY_ORDER = (a, b) ->
      Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final TreeMap<String, KeyValue> data = new TreeMap<>(KEY_ORDER);
  private final List<WatchResponse> history = new ArrayList<>();
  private final Map<RequestId, WriteResult> applied = new HashMap<>();
  private final List<Consumer<WatchResponse>> listeners = new ArrayList<>();
  private long revision;
  private long compactedThrough;

  /** Sets a key; a request id seen before returns the first result without writing again. */
  public synchronized WriteResult put(String key, ByteString value, RequestId id) {
    WriteResult earlier = id == null ? null : applied.get(id);
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
    remember(id, result);
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

  /** Removes a key; the result's previous entry is empty when it did not exist. */
  public synchronized WriteResult delete(String key, RequestId id) {
    WriteResult earlier = id == null ? null : applied.get(id);
    if (earlier != null) {
      return earlier;
    }
    KeyValue previous = data.remove(key);
    if (previous == null) {
      WriteResult result = new WriteResult(revision, Optional.empty());
      remember(id, result);
      return result;
    }
    revision++;
    WriteResult result = new WriteResult(revision, Optional.of(previous));
    remember(id, result);
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
   * {@code KeyValueStore.range}: at most {@code limit}, and no more than {@code maxBytes} of
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

  private void remember(RequestId id, WriteResult result) {
    if (id != null && id.getSequence() > 0) {
      applied.put(id, result);
    }
  }

  private void emit(WatchResponse event) {
    history.add(event);
    List.copyOf(listeners).forEach(listener -> listener.accept(event));
  }
}
