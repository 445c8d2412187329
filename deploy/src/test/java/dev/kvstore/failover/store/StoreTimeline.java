package dev.kvstore.failover.store;

import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.WatchEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The store's history replayed through the model: the state of the run's keys (those under its
 * scope prefix) at every revision from the one before the start to the last. Keys outside the
 * scope take revisions too (revisions are global) but their state is not modelled: the run's keys
 * are absent at the start, other keys may hold anything.
 *
 * <p>Building it checks {@link StoreGuarantee#GAP_FREE_HISTORY} and
 * {@link StoreGuarantee#CONSISTENT_VERSIONS}.
 */
public final class StoreTimeline {

  private final long startRevision;
  private final String scope;
  private final NavigableMap<Long, NavigableMap<String, KeyValue>> states = new TreeMap<>();
  private final NavigableMap<Long, RevisionChanges> scoped = new TreeMap<>();
  private long lastRevision;

  /**
   * @param startRevision the first revision of the run: its keys are all absent at the one before
   * @param scope         the prefix of the run's keys
   * @param history       the store's history from {@code startRevision} on, as a watcher of every
   *                      key received it
   */
  StoreTimeline(long startRevision, String scope, List<RevisionChanges> history,
      Violations<StoreGuarantee> violations) {
    this.startRevision = startRevision;
    this.scope = scope;
    NavigableMap<String, KeyValue> state = TxnModel.emptyState();
    states.put(startRevision - 1, Collections.unmodifiableNavigableMap(state));
    long expected = startRevision;
    for (RevisionChanges changes : history) {
      long revision = changes.revision();
      if (revision < expected) {
        violations.add(StoreGuarantee.GAP_FREE_HISTORY, changes + " comes after r" + (expected - 1)
            + ": a revision repeated or out of order; left out");
        continue;
      }
      if (revision > expected) {
        violations.add(StoreGuarantee.GAP_FREE_HISTORY, "revisions " + range(expected, revision - 1)
            + " are missing between r" + (expected - 1) + " and r" + revision);
      }
      if (changes.events().isEmpty()) {
        violations.add(StoreGuarantee.GAP_FREE_HISTORY, "r" + revision + " has no changes");
      }
      List<WatchEvent> inScope = new ArrayList<>();
      for (WatchEvent e : changes.events()) {
        if (e.getKv().getKey().startsWith(scope)) {
          inScope.add(e);
        }
      }
      if (!inScope.isEmpty()) {
        state = apply(new RevisionChanges(revision, inScope), state, violations);
        scoped.put(revision, new RevisionChanges(revision, inScope));
      }
      states.put(revision, state);
      expected = revision + 1;
    }
    lastRevision = expected - 1;
  }

  private static String range(long first, long last) {
    return first == last ? "r" + first : "r" + first + "..r" + last;
  }

  private static NavigableMap<String, KeyValue> apply(RevisionChanges changes,
      NavigableMap<String, KeyValue> before, Violations<StoreGuarantee> violations) {
    NavigableMap<String, KeyValue> after = new TreeMap<>(before);
    long revision = changes.revision();
    List<String> changed = new ArrayList<>();
    for (WatchEvent e : changes.events()) {
      KeyValue kv = e.getKv();
      String where = changes + ", " + RevisionChanges.describe(e) + ": ";
      if (changed.contains(kv.getKey())) {
        violations.add(StoreGuarantee.CONSISTENT_VERSIONS, where + "the key changes twice in one revision");
      }
      changed.add(kv.getKey());
      if (kv.getModRevision() != revision) {
        violations.add(StoreGuarantee.CONSISTENT_VERSIONS, where + "mod_revision " + kv.getModRevision());
      }
      KeyValue prev = after.get(kv.getKey());
      if (e.getType() == EventType.DELETE) {
        if (prev == null) {
          violations.add(StoreGuarantee.CONSISTENT_VERSIONS, where + "deletes a key that does not exist");
        }
        after.remove(kv.getKey());
        continue;
      }
      long version = prev == null ? 1 : prev.getVersion() + 1;
      long created = prev == null ? revision : prev.getCreateRevision();
      if (kv.getVersion() != version || kv.getCreateRevision() != created) {
        violations.add(StoreGuarantee.CONSISTENT_VERSIONS, where + "expected version " + version
            + " and create_revision " + created + " from the state before");
      }
      after.put(kv.getKey(), kv);
    }
    return Collections.unmodifiableNavigableMap(after);
  }

  public long startRevision() {
    return startRevision;
  }

  /** The last revision of the history (the one before the start when it is empty). */
  public long lastRevision() {
    return lastRevision;
  }

  public String scope() {
    return scope;
  }

  /**
   * The run's keys at {@code revision}, or null when it is before the one before the start or after
   * the last revision; a revision missing from the history (a gap) has the state before it.
   */
  public NavigableMap<String, KeyValue> stateAt(long revision) {
    if (revision < startRevision - 1 || revision > lastRevision) {
      return null;
    }
    return states.floorEntry(revision).getValue();
  }

  /** The changes of the run's keys at {@code revision}, or null when none. */
  public RevisionChanges changesAt(long revision) {
    return scoped.get(revision);
  }

  /** Every revision that changed the run's keys, with those changes, in revision order. */
  public Map<Long, RevisionChanges> changes() {
    return Collections.unmodifiableMap(scoped);
  }
}
