package dev.kvstore.failover.store;

import dev.kvstore.api.WatchEvent;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The changes of one store revision, in the order they were made: what a watcher of the Watch
 * service receives in one {@code onRevision} call, and one step of the store's history.
 *
 * @param revision the store revision all the events share
 * @param events   the changes, as the node sent them (kv and type; prev_kv is ignored by the checks)
 */
public record RevisionChanges(long revision, List<WatchEvent> events) {

  public RevisionChanges {
    events = List.copyOf(Objects.requireNonNull(events, "events"));
  }

  /** The events reduced to what the checks compare: PUT with its key-value, DELETE with key and revision. */
  List<WatchEvent> comparable() {
    return events.stream().map(RevisionChanges::comparable).toList();
  }

  /**
   * The same events sorted by key: what the changes of one revision are regardless of their order
   * (a revision changes a key at most once).
   */
  static List<WatchEvent> inKeyOrder(List<WatchEvent> events) {
    return events.stream().sorted(java.util.Comparator.comparing(e -> e.getKv().getKey(), KeySpan.KEY_ORDER)).toList();
  }

  static WatchEvent comparable(WatchEvent e) {
    if (e.getType() == dev.kvstore.api.EventType.DELETE) {
      return WatchEvent.newBuilder().setType(e.getType())
          .setKv(dev.kvstore.api.KeyValue.newBuilder().setKey(e.getKv().getKey())
              .setModRevision(e.getKv().getModRevision()))
          .build();
    }
    return WatchEvent.newBuilder().setType(e.getType()).setKv(e.getKv()).build();
  }

  /** For example {@code r42 [PUT acct/1 = '90/p3-7' (c40 v3), DELETE scratch/2]}. */
  @Override
  public String toString() {
    return "r" + revision + " " + events.stream().map(RevisionChanges::describe)
        .collect(Collectors.joining(", ", "[", "]"));
  }

  static String describe(WatchEvent e) {
    if (e.getType() == dev.kvstore.api.EventType.DELETE) {
      return "DELETE " + e.getKv().getKey();
    }
    var kv = e.getKv();
    return "PUT " + kv.getKey() + " = '" + kv.getValue().toStringUtf8() + "' (c" + kv.getCreateRevision()
        + " v" + kv.getVersion() + (kv.getLease() != 0 ? " lease " + kv.getLease() : "") + ")";
  }
}
