package dev.kvstore.failover.store;

import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * Mutual exclusion of a lock built on the store, checked on the store's history: a holder creates
 * the lock key (value: its name) and writes the protected key only through a transaction fenced on
 * the lock key's create revision (its token), writing {@code name@token#n}. Every protected write
 * must have been made while the lock key existed with the writer's name and token, and tokens of
 * successive protected writes never go back: no two holders' writes interleave, whatever the
 * faults, lease expiries and retries did.
 */
public final class MutualExclusionCheck {

  private MutualExclusionCheck() {
  }

  /** The value of a protected write: who wrote it, under which token, its number in the tenure. */
  public static String protectedValue(String holder, long token, long n) {
    return holder + "@" + token + "#" + n;
  }

  /**
   * Returns every breach, one line each; empty means none.
   *
   * @param timeline  the store's states (see {@link StoreHistoryCheck.Result#timeline()})
   * @param lockKey   the lock key
   * @param dataKey   the protected key, written only as {@link #protectedValue}
   */
  public static List<String> check(StoreTimeline timeline, String lockKey, String dataKey) {
    List<String> breaches = new ArrayList<>();
    long lastToken = 0;
    String lastWriter = null;
    for (RevisionChanges changes : timeline.changes().values()) {
      for (WatchEvent e : changes.events()) {
        if (e.getType() != EventType.PUT || !e.getKv().getKey().equals(dataKey)) {
          continue;
        }
        String value = e.getKv().getValue().toStringUtf8();
        int at = value.indexOf('@');
        int hash = value.indexOf('#');
        if (at < 0 || hash < at) {
          breaches.add("r" + changes.revision() + ": protected value '" + value + "' is not name@token#n");
          continue;
        }
        String holder = value.substring(0, at);
        long token = Long.parseLong(value.substring(at + 1, hash));
        NavigableMap<String, KeyValue> before = timeline.stateAt(changes.revision() - 1);
        KeyValue lock = before == null ? null : before.get(lockKey);
        if (lock == null) {
          breaches.add("r" + changes.revision() + ": " + holder + " (token " + token + ") wrote while the lock was free");
        } else if (lock.getCreateRevision() != token || !lock.getValue().toStringUtf8().equals(holder)) {
          breaches.add("r" + changes.revision() + ": " + holder + " (token " + token + ") wrote while "
              + lock.getValue().toStringUtf8() + " held the lock (token " + lock.getCreateRevision() + ")");
        }
        if (token < lastToken) {
          breaches.add("r" + changes.revision() + ": " + holder + " (token " + token + ") wrote after " + lastWriter
              + " (token " + lastToken + "): two tenures interleave");
        }
        lastToken = Math.max(lastToken, token);
        lastWriter = holder;
      }
    }
    return breaches;
  }
}
