package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks the events that watchers received against the operations clients ran: per watcher the
 * revisions strictly increase, every PUT carries a value some write may have written, every DELETE
 * a key some delete may have removed, and an event at the revision of an acknowledged write is
 * that write.
 */
public final class WatchHistoryCheck {

  private WatchHistoryCheck() {
  }

  /**
   * Returns every violation, one line each, so that a suite can print them all; empty means none.
   *
   * @param eventsByWatcher for each watcher (by any name) the events in the order it received them
   * @param history         the client operations of the same run
   */
  public static List<String> check(Map<String, List<WatchEvent>> eventsByWatcher, History history) {
    List<String> violations = new ArrayList<>();
    Writes writes = new Writes(history, violations);
    for (Map.Entry<String, List<WatchEvent>> watcher : new TreeMap<>(eventsByWatcher).entrySet()) {
      WatchEvent previous = null;
      for (WatchEvent event : watcher.getValue()) {
        String where = "watcher " + watcher.getKey() + ", event " + event + ": ";
        if (previous != null && event.revision() <= previous.revision()) {
          violations.add(where + (event.revision() == previous.revision() ? "duplicates" : "comes after")
              + " the previous event " + previous + "; revisions must strictly increase");
        }
        previous = event;
        String problem = writes.problemWith(event);
        if (problem != null) {
          violations.add(where + problem);
        }
      }
    }
    return List.copyOf(violations);
  }

  /**
   * Completeness: every write the history shows as acknowledged (OK, with its revision) must have
   * reached every watcher, with that revision, key and value. Use only for watchers that were
   * registered before the first write and cover every key written.
   */
  public static List<String> missingWrites(Map<String, List<WatchEvent>> eventsByWatcher, History history) {
    List<String> violations = new ArrayList<>();
    List<Operation> acknowledged = history.operations().stream()
        .filter(op -> op.type() == OpType.WRITE && op.outcome() == Outcome.OK && op.revision() > 0)
        .toList();
    for (Map.Entry<String, List<WatchEvent>> watcher : new TreeMap<>(eventsByWatcher).entrySet()) {
      Map<Long, WatchEvent> byRevision = new HashMap<>();
      watcher.getValue().forEach(e -> byRevision.put(e.revision(), e));
      for (Operation write : acknowledged) {
        WatchEvent seen = byRevision.get(write.revision());
        if (seen == null || seen.type() != WatchEvent.Type.PUT || !seen.key().equals(write.key())
            || !seen.value().equals(write.value())) {
          violations.add("watcher " + watcher.getKey() + " missed acknowledged write " + write.label()
              + " at revision " + write.revision() + (seen == null ? "" : "; it saw " + seen + " there"));
        }
      }
    }
    return List.copyOf(violations);
  }

  /** The writes of a history, indexed the ways an event is looked up. */
  private static final class Writes {

    private record KeyValue(String key, String value) {
    }

    private final long origin;
    private final Map<KeyValue, List<Operation>> byKeyValue = new HashMap<>();
    private final Set<String> possiblyDeletedKeys = new HashSet<>();
    private final Map<Long, Operation> acknowledgedPutAt = new HashMap<>();

    /** Indexes the history, adding to {@code violations} what is wrong with it on its own. */
    Writes(History history, List<String> violations) {
      origin = history.originNanos();
      for (Operation op : history.operations()) {
        if (op.type() == OpType.WRITE) {
          byKeyValue.computeIfAbsent(new KeyValue(op.key(), op.value()), kv -> new ArrayList<>()).add(op);
        } else if (op.type() == OpType.DELETE && op.outcome() != Outcome.FAIL) {
          possiblyDeletedKeys.add(op.key());
        }
        // Deletes are left out: deleting an absent key consumes no revision, so the revision in
        // its response can be that of another key's write.
        if (op.type() == OpType.WRITE && op.outcome() == Outcome.OK && op.revision() != 0) {
          Operation other = acknowledgedPutAt.putIfAbsent(op.revision(), op);
          if (other != null) {
            violations.add("writes " + other.describe(origin) + " and " + op.describe(origin)
                + " were both acknowledged at revision " + op.revision());
          }
        }
      }
    }

    /** What is wrong with the event given these writes, or null. */
    String problemWith(WatchEvent event) {
      Operation acknowledged = acknowledgedPutAt.get(event.revision());
      if (acknowledged != null && (event.type() != WatchEvent.Type.PUT
          || !event.key().equals(acknowledged.key()) || !Objects.equals(event.value(), acknowledged.value()))) {
        return "revision " + event.revision() + " belongs to the acknowledged write " + acknowledged.describe(origin);
      }
      if (event.type() == WatchEvent.Type.DELETE) {
        return possiblyDeletedKeys.contains(event.key()) ? null
            : "no delete of " + event.key() + " was acknowledged or left with an unknown outcome";
      }
      List<Operation> sources = byKeyValue.getOrDefault(new KeyValue(event.key(), event.value()), List.of());
      if (sources.isEmpty()) {
        return "no client ever wrote this value to this key";
      }
      if (sources.stream().allMatch(op -> op.outcome() == Outcome.FAIL)) {
        return "the only write of this value failed, so it must not have taken effect: " + sources.get(0).describe(origin);
      }
      return null;
    }
  }
}
