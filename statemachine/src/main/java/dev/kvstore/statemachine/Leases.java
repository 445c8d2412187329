package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.StoredLease;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The replicated lease table, as etcd's lessor keeps it minus the clock: each lease's id, the TTL
 * it was granted (seconds) and the keys attached to it. Only applied commands change it, in log
 * order, so every replica holds the same table; deadlines are not part of it (the leader keeps
 * them, see the node's {@code LeaseExpiry}), which is what lets apply never read a clock.
 *
 * <p>Attachments follow the store's events ({@link #follow}, called for every event of every
 * write transaction), so any write path (a put moving a key to another lease or to none, a delete,
 * a range delete, a transaction) keeps them right without knowing about leases.
 *
 * <p>Changed on the apply thread only; read from any thread (methods are synchronized, and never
 * call out while holding the lock). The {@link Listener} hears of changes on the apply thread,
 * after the table changed.
 */
public final class Leases {

  /**
   * A lease as the table holds it.
   *
   * @param id         positive id
   * @param ttlSeconds the time to live it was granted, in seconds
   */
  public record Lease(long id, long ttlSeconds) {}

  /** Hears of every change of the table, on the apply thread: must return at once. */
  public interface Listener {
    /** A lease was granted with {@code ttlSeconds}. */
    void granted(long id, long ttlSeconds);

    /** A lease was revoked or expired (its keys are deleted). */
    void removed(long id);

    /** The whole table was replaced (a snapshot was loaded). */
    void reset();

    Listener NONE = new Listener() {
      @Override
      public void granted(long id, long ttlSeconds) {}

      @Override
      public void removed(long id) {}

      @Override
      public void reset() {}
    };
  }

  private static final class Entry {
    final long ttl;
    /** Sorted, so that a revoke deletes them in key order on every replica. */
    final TreeSet<String> keys = new TreeSet<>();

    Entry(long ttl) {
      this.ttl = ttl;
    }
  }

  private final Map<Long, Entry> byId = new HashMap<>();
  private volatile Listener listener = Listener.NONE;

  /** Sets the one listener (the node's lease expiry); replaces any earlier one. */
  public void listen(Listener listener) {
    this.listener = listener;
  }

  /** Whether lease {@code id} exists (granted and neither revoked nor expired). */
  public synchronized boolean exists(long id) {
    return byId.containsKey(id);
  }

  /** The TTL lease {@code id} was granted, in seconds; empty when it does not exist. */
  public synchronized OptionalLong grantedTtl(long id) {
    Entry e = byId.get(id);
    return e == null ? OptionalLong.empty() : OptionalLong.of(e.ttl);
  }

  /** Every lease, by ascending id. */
  public synchronized List<Lease> all() {
    List<Lease> out = new ArrayList<>(byId.size());
    byId.forEach((id, e) -> out.add(new Lease(id, e.ttl)));
    out.sort((a, b) -> Long.compare(a.id(), b.id()));
    return out;
  }

  /** The keys attached to lease {@code id}, in key order (empty when it has none or does not exist). */
  public synchronized List<String> keys(long id) {
    Entry e = byId.get(id);
    return e == null ? List.of() : List.copyOf(e.keys);
  }

  public synchronized int size() {
    return byId.size();
  }

  /** Adds a lease; false (and nothing changes) when the id is taken. Apply thread. */
  boolean grant(long id, long ttlSeconds) {
    synchronized (this) {
      if (byId.containsKey(id)) {
        return false;
      }
      byId.put(id, new Entry(ttlSeconds));
    }
    listener.granted(id, ttlSeconds);
    return true;
  }

  /**
   * Removes a lease whose keys were deleted (by then {@link #follow} has detached them all). Apply
   * thread.
   */
  void remove(long id) {
    synchronized (this) {
      if (byId.remove(id) == null) {
        return;
      }
    }
    listener.removed(id);
  }

  /** Moves the attachment of the event's key from its previous lease to its new one. Apply thread. */
  void follow(Event event) {
    long before = event.prevKv() == null ? 0 : event.prevKv().lease();
    long after = event.type() == Event.Type.PUT ? event.kv().lease() : 0;
    if (before == after) {
      return;
    }
    synchronized (this) {
      if (before != 0) {
        Entry e = byId.get(before);
        if (e != null) {
          e.keys.remove(event.key());
        }
      }
      if (after != 0) {
        Entry e = byId.get(after);
        if (e != null) {
          e.keys.add(event.key());
        }
      }
    }
  }

  /** The table as a snapshot carries it, by ascending id. Apply thread (cheap: one record per lease). */
  List<StoredLease> records() {
    return all().stream().map(l -> StoredLease.newBuilder().setId(l.id()).setTtl(l.ttlSeconds()).build()).toList();
  }

  /**
   * Replaces the table with a snapshot's leases, attaching to them the keys whose newest version
   * in {@code versions} (key order, within a key ascending revision, as snapshots hold them) is live
   * and names one of them.
   */
  void reset(List<StoredLease> leases, List<KeyValue> versions) {
    synchronized (this) {
      byId.clear();
      for (StoredLease l : leases) {
        byId.put(l.getId(), new Entry(l.getTtl()));
      }
      for (int i = 0; i < versions.size(); i++) {
        KeyValue kv = versions.get(i);
        boolean newest = i + 1 == versions.size() || !versions.get(i + 1).key().equals(kv.key());
        if (newest && kv.lease() != 0 && !MvccStore.isTombstone(kv)) {
          Entry e = byId.get(kv.lease());
          if (e != null) {
            e.keys.add(kv.key());
          }
        }
      }
    }
    listener.reset();
  }
}
