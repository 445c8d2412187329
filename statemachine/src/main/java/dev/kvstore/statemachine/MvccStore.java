package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * The multi-version key-value store: every change keeps its revision, and every key can be read as
 * it was at any revision from the compacted one to the current one (etcd's mvcc store, with its
 * {@code ReadView}, write transaction and {@code compact}).
 *
 * <p>Layout: one map from key to the key's versions in revision order, replaced whole on every
 * change (copy on write), so that a reader never sees them half-changed; a key with one version
 * maps to it directly. A deletion is a version too, a tombstone ({@link #isTombstone}). A reader
 * picks a revision first (the current one unless it asked for another) and takes, for each key, the
 * newest version at or below it: versions of a transaction still being applied are above the
 * current revision until {@link WriteTxn#end()} raises it, so no reader sees part of a
 * transaction, and no lock is needed.
 *
 * <p>Compaction at revision C drops, for each key, every version older than the newest one at or
 * below C, and that one too when it is a tombstone: what a read at C or later needs stays. It visits
 * only the keys that hold such versions. It publishes C before it drops anything: a single-key read
 * checks afterwards that no compaction passed its revision meanwhile; range reads and
 * {@link RevisionView}s hold their revision instead (a range may take long enough for many
 * compactions to pass), and compaction drops nothing they need until they end.
 *
 * <p>History is kept for a number of revisions given at construction: after each transaction the
 * store compacts itself so that the last {@code retainedRevisions} revisions before the current one
 * stay readable (in steps of an eighth of that, so that a compaction's walk is shared by many
 * transactions). That is a function of the revision alone, so every replica compacts at the same
 * revisions without a command of its own; {@link #compact} compacts further on request.
 *
 * <p>Threads: one writer, the apply thread, which also compacts; readers on any thread.
 */
public final class MvccStore implements ReadView, KvReadView {

  /**
   * Key to its versions: the {@link KeyValue} itself when it is the only one (most keys, most of the
   * time: no array per key), else a {@code KeyValue[]} of two or more in revision order. Swapped
   * whole by reset, so that readers never see a half-loaded map.
   */
  private volatile ConcurrentSkipListMap<String, Object> keys = new ConcurrentSkipListMap<>(KeyOrder.INSTANCE);
  /**
   * Most keys one transaction's end trims (etcd's compaction works in batches too): the first write
   * after a snapshot of a busy store released its revision would otherwise trim every key changed
   * meanwhile, tens of thousands, before it could be answered. About 2 µs a key with a million keys:
   * at most about half a millisecond added to one apply.
   */
  static final int TRIM_BATCH_KEYS = 256;

  /**
   * Keys holding more than their live version (older versions, or a tombstone), kept only while
   * no revisions are retained (then {@link #changedKeys} tells compaction which keys to visit).
   * Apply thread only.
   */
  private final Set<String> withHistory = new HashSet<>();
  /**
   * The keys compaction visits: {@link #withHistory} in turn, each once, when no revisions are
   * retained; otherwise the keys changed at the revisions the pass in progress compacts. Apply
   * thread only.
   */
  private final ArrayDeque<String> historyQueue = new ArrayDeque<>();
  /** Revision the trimming pass in progress trims to. Apply thread only. */
  private long passTarget;
  /** Keys at the head of {@link #historyQueue} the pass in progress has yet to visit; 0 when none is. */
  private int passLeft;
  /** What the pass in progress keeps of a key's versions (null: nothing, the key goes). */
  private final BiFunction<String, Object, Object> keptAfterPass = (key, versions) ->
      keptAfterCompaction(versions, passTarget);
  /**
   * Revision to the keys it changed (a key, or a {@code String[]} of several in the order they were
   * changed) for the revisions after the compacted one, while revisions are retained: what
   * {@link #changes} replays, as etcd's backend is keyed by revision.
   */
  private final ConcurrentSkipListMap<Long, Object> changedKeys = new ConcurrentSkipListMap<>();
  /** Revisions held by open views and by range reads in progress: compaction keeps what they need. */
  private final Set<Hold> holds = ConcurrentHashMap.newKeySet();
  private volatile long currentRevision;
  private volatile long compactedRevision;
  /** Revision up to which versions were dropped; at most {@link #compactedRevision}. Apply thread only. */
  private long droppedUpTo;
  private volatile int liveKeys;
  private final long retainedRevisions;
  private final long compactionStep;
  private Txn openTxn;

  /**
   * Keeps every revision until {@link #compact} is called: for a replicated store, whose leader
   * decides compactions and sends them through the log.
   */
  public static final long RETAIN_UNTIL_COMPACTED = Long.MAX_VALUE;

  /**
   * @param retainedRevisions revisions before the current one that stay readable; 0 keeps only the
   *                          current revision (and what open views hold);
   *                          {@link #RETAIN_UNTIL_COMPACTED} all until compacted
   * @throws IllegalArgumentException when negative
   */
  public MvccStore(long retainedRevisions) {
    if (retainedRevisions < 0) {
      throw new IllegalArgumentException("retained revisions must not be negative, got " + retainedRevisions);
    }
    this.retainedRevisions = retainedRevisions;
    this.compactionStep = Math.max(1, retainedRevisions / 8);
  }

  /** Whether {@code kv} records a deletion: etcd's tombstone, with version 0. */
  static boolean isTombstone(KeyValue kv) {
    return kv.version() == 0;
  }

  @Override
  public long currentRevision() {
    return currentRevision;
  }

  @Override
  public long compactedRevision() {
    return compactedRevision;
  }

  @Override
  public Optional<KeyValue> get(String key, long revision) throws RevisionUnavailableException {
    while (true) {
      long at = readableRevision(revision);
      KeyValue kv = versionAt(keys.get(key), at);
      if (stillReadable(at, revision)) {
        return Optional.ofNullable(kv);
      }
    }
  }

  @Override
  public RangeResult range(KeyRange range, long revision, int limit, long maxBytes)
      throws RevisionUnavailableException {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative, got " + limit);
    }
    Hold hold = hold(revision);
    try {
      return walk(hold.map, range, range.start(), true, hold.revision, limit == 0 ? Integer.MAX_VALUE : limit,
          maxBytes);
    } finally {
      holds.remove(hold);
    }
  }

  @Override
  public long scan(KeyRange range, long revision, boolean descending, Predicate<KeyValue> visitor)
      throws RevisionUnavailableException {
    Hold hold = hold(revision);
    try {
      for (Map.Entry<String, Object> e : keysOf(hold.map, range, descending).entrySet()) {
        KeyValue kv = versionAt(e.getValue(), hold.revision);
        if (kv != null && !visitor.test(kv)) {
          break;
        }
      }
      return hold.revision;
    } finally {
      holds.remove(hold);
    }
  }

  /** The part of {@code keys} that {@code range} covers, in the order asked for. */
  private static Map<String, Object> keysOf(ConcurrentSkipListMap<String, Object> keys, KeyRange range,
      boolean descending) {
    String end = range.upperBound();
    ConcurrentNavigableMap<String, Object> part =
        end == null ? keys.tailMap(range.start(), true) : keys.subMap(range.start(), true, end, false);
    return descending ? part.descendingMap() : part;
  }

  @Override
  public List<Event> changes(long fromRevision, long toRevision) throws RevisionUnavailableException {
    if (fromRevision < 1 || toRevision < fromRevision - 1) {
      throw new IllegalArgumentException("changes from revision " + fromRevision + " to " + toRevision
          + ": the first must be at least 1 and the last at least the first minus one");
    }
    long current = currentRevision;
    if (toRevision > current) {
      throw new FutureRevisionException(toRevision, current);
    }
    // The hold keeps every version a read at fromRevision - 1 or later needs: each change's version
    // and the one before it (the newest before the change, so the newest at or below any earlier
    // revision it was already the newest at).
    Hold hold = tryHold(toRevision, fromRevision - 1);
    if (hold == null) {
      throw new RevisionCompactedException(fromRevision, compactedRevision + 1);
    }
    try {
      List<Event> events = new ArrayList<>();
      if (toRevision < fromRevision) {
        return events;
      }
      for (Map.Entry<Long, Object> entry : changedKeys.subMap(fromRevision, true, toRevision, true).entrySet()) {
        long revision = entry.getKey();
        if (entry.getValue() instanceof String key) {
          events.add(eventAt(hold.map.get(key), revision));
        } else {
          for (String key : (String[]) entry.getValue()) {
            events.add(eventAt(hold.map.get(key), revision));
          }
        }
      }
      return events;
    } finally {
      holds.remove(hold);
    }
  }

  /** The change that made the version at exactly {@code revision}, with the version before it. */
  private static Event eventAt(Object versions, long revision) {
    KeyValue[] all = versions instanceof KeyValue only ? new KeyValue[] {only} : (KeyValue[]) versions;
    int i = indexAt(all, revision);
    KeyValue kv = all[i];
    if (kv.modRevision() != revision) {
      throw new IllegalStateException("\"" + kv.key() + "\" has no version at revision " + revision);
    }
    KeyValue prev = i > 0 && !isTombstone(all[i - 1]) ? all[i - 1] : null;
    return isTombstone(kv) ? Event.delete(prev, revision) : Event.put(kv, prev);
  }

  // KvReadView: reads at the current revision, which is never compacted away.

  @Override
  public long revision() {
    return currentRevision;
  }

  @Override
  public Optional<KeyValue> get(String key) {
    return entryAt(key, 0);
  }

  @Override
  public Optional<KeyValue> entryAt(String key, long revision) {
    try {
      return get(key, revision);
    } catch (RevisionUnavailableException e) {
      throw new IllegalStateException("a read of a revision that was current is never refused", e);
    }
  }

  @Override
  public RangeResult range(String prefix, String startAfter, int limit, long maxBytes) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    boolean afterCursor = KeyOrder.INSTANCE.compare(startAfter, prefix) > 0;
    Hold hold = holdCurrent();
    try {
      return walk(hold.map, KeyRange.prefix(prefix), afterCursor ? startAfter : prefix, !afterCursor, hold.revision,
          limit, maxBytes);
    } finally {
      holds.remove(hold);
    }
  }

  @Override
  public int size() {
    return liveKeys;
  }

  /**
   * Starts the changes of the next revision.
   *
   * @throws IllegalStateException when the previous transaction has not ended
   */
  public WriteTxn write() {
    if (openTxn != null) {
      throw new IllegalStateException("the transaction of revision " + openTxn.revision + " has not ended");
    }
    openTxn = new Txn(currentRevision + 1);
    return openTxn;
  }

  /**
   * Makes revisions below {@code revision} unreadable and frees the versions only they needed, as
   * etcd's {@code compact}. Apply thread only, so that every replica compacts at the same revision.
   *
   * @throws IllegalArgumentException when {@code revision} is not above the compacted revision, or
   *     above the current one
   */
  public void compact(long revision) {
    if (revision <= compactedRevision) {
      throw new IllegalArgumentException("revision " + revision + " is already compacted: the compacted revision is "
          + compactedRevision);
    }
    if (revision > currentRevision) {
      throw new IllegalArgumentException("cannot compact at revision " + revision + ": the current revision is "
          + currentRevision);
    }
    // Published before anything is dropped: see stillReadable.
    compactedRevision = revision;
    dropUnneededVersions();
  }

  /**
   * Holds the current revision readable until the view is closed, whatever is compacted meanwhile:
   * what a snapshot is written from on another thread while applies go on. Apply thread only.
   */
  public RevisionView openView() {
    Hold hold = new Hold(keys, currentRevision, compactedRevision);
    holds.add(hold);
    return new RevisionView(hold, liveKeys);
  }

  /** As {@link #reset(List, long, long)} with no history: {@code kvs} are the live entries at {@code revision}. */
  public void reset(List<KeyValue> kvs, long revision) {
    reset(kvs, revision, revision);
  }

  /**
   * Replaces the whole content with {@code versions} at {@code revision}, readable back to
   * {@code compactedRevision}, as when a snapshot is loaded. Open views keep showing the old
   * content, which nothing changes any more.
   *
   * @param versions every retained version (deletions included, as tombstones), in key order
   *     ({@link KeyOrder}) and within a key in ascending revision, as snapshots hold them: the map is
   *     then built in one pass instead of by a search per key
   * @throws IllegalArgumentException when {@code versions} are not in that order, or a version or
   *     {@code compactedRevision} is above {@code revision}
   * @throws IllegalStateException    when a transaction is open
   */
  public void reset(List<KeyValue> versions, long revision, long compactedRevision) {
    reset(versions, revision, compactedRevision, Map.of());
  }

  /**
   * As {@link #reset(List, long, long)}, with the order in which each retained revision that changed
   * several keys changed them ({@link RevisionView#changeOrders()}), so that a watch replaying them
   * here gets them in the order they were made, as on the node that wrote the snapshot. A revision
   * missing from {@code changeOrders}, or whose keys are not those its versions show, gets key order.
   */
  public void reset(List<KeyValue> versions, long revision, long compactedRevision, Map<Long, String[]> changeOrders) {
    if (openTxn != null) {
      throw new IllegalStateException("the transaction of revision " + openTxn.revision + " has not ended");
    }
    if (compactedRevision > revision) {
      throw new IllegalArgumentException("compacted revision " + compactedRevision + " is above the revision "
          + revision);
    }
    SortedVersions sorted = new SortedVersions(versions, revision);
    // Built before anything changes here: a version out of order fails the load and leaves the store as it was.
    ConcurrentSkipListMap<String, Object> loaded = new ConcurrentSkipListMap<>(sorted);
    holds.clear();
    withHistory.clear();
    historyQueue.clear();
    passLeft = 0;
    if (retainedRevisions == 0) {
      withHistory.addAll(sorted.keysWithHistory());
      historyQueue.addAll(sorted.keysWithHistory());
    }
    changedKeys.clear();
    if (retainedRevisions > 0) {
      for (KeyValue kv : versions) {
        if (kv.modRevision() > compactedRevision) {
          changedKeys.merge(kv.modRevision(), kv.key(), MvccStore::withKey);
        }
      }
      // The versions give each revision's keys in key order; the snapshot's orders put them back in
      // the order they were changed.
      changeOrders.forEach((changed, keysInOrder) -> {
        if (changedKeys.get(changed) instanceof String[] inKeyOrder && sameKeys(inKeyOrder, keysInOrder)) {
          changedKeys.put(changed, keysInOrder.clone());
        }
      });
    }
    // Lowered before the revision moves (it may move back), so that a reader never sees a current
    // revision below the compacted one.
    this.compactedRevision = 0;
    droppedUpTo = compactedRevision;
    keys = loaded;
    liveKeys = sorted.liveKeys();
    currentRevision = revision;
    this.compactedRevision = compactedRevision;
  }

  /** The number of versions kept for {@code key}, tombstones included; for tests and metrics. */
  int versionCount(String key) {
    Object versions = keys.get(key);
    return versions == null ? 0 : versions instanceof KeyValue ? 1 : ((KeyValue[]) versions).length;
  }

  private long readableRevision(long requested) throws RevisionUnavailableException {
    long current = currentRevision;
    if (requested < 0) {
      throw new IllegalArgumentException("a revision must not be negative, got " + requested);
    }
    if (requested > current) {
      throw new FutureRevisionException(requested, current);
    }
    if (requested == 0) {
      // Never refused: should a compaction pass it while it is read, stillReadable has it read again.
      return current;
    }
    long compacted = compactedRevision;
    if (requested < compacted) {
      throw new RevisionCompactedException(requested, compacted);
    }
    return requested;
  }

  /**
   * Holds the revision a range read is answered at, so that a compaction during the read (which may
   * take a while for a large range) drops nothing it needs; the caller removes the hold.
   */
  private Hold hold(long requested) throws RevisionUnavailableException {
    while (true) {
      long at = readableRevision(requested);
      Hold hold = tryHold(at, at);
      if (hold != null) {
        return hold;
      }
      if (requested != 0) {
        throw new RevisionCompactedException(at, compactedRevision);
      }
    }
  }

  /**
   * Holds {@code revision} and the history back to {@code keptFrom} (see {@link Hold}), unless a
   * compaction has passed {@code keptFrom} already: then null, and nothing is held.
   */
  private Hold tryHold(long revision, long keptFrom) {
    Hold hold = new Hold(keys, revision, keptFrom);
    holds.add(hold);
    // A compaction publishes its revision before it looks at the holds: either it sees this hold,
    // or this check sees its revision.
    if (keptFrom >= compactedRevision) {
      return hold;
    }
    holds.remove(hold);
    return null;
  }

  private Hold holdCurrent() {
    try {
      return hold(0);
    } catch (RevisionUnavailableException e) {
      throw new IllegalStateException("a read of the current revision is never refused", e);
    }
  }

  /**
   * Whether a read at {@code at} was answered from intact versions. A compaction that started after
   * the read checked its revision may have dropped versions the read needed, if it compacted past
   * that revision; it published its revision before it dropped anything, so then it is visible here.
   * A read of a given revision is then refused; a read of the current one (requested as 0) is
   * answered again at the new current revision instead, as it would have been had it come later.
   *
   * @return false when the read must be done again
   * @throws RevisionCompactedException when the requested revision was compacted during the read
   */
  private boolean stillReadable(long at, long requested) throws RevisionCompactedException {
    long compacted = compactedRevision;
    if (at >= compacted) {
      return true;
    }
    if (requested != 0) {
      throw new RevisionCompactedException(at, compacted);
    }
    return false;
  }

  /** The newest version at or below {@code revision}, or null when the key did not exist then. */
  private static KeyValue versionAt(Object versions, long revision) {
    if (versions instanceof KeyValue only) {
      return only.modRevision() <= revision && !isTombstone(only) ? only : null;
    }
    if (versions == null) {
      return null;
    }
    KeyValue[] all = (KeyValue[]) versions;
    int i = indexAt(all, revision);
    return i < 0 || isTombstone(all[i]) ? null : all[i];
  }

  /** Index of the newest version at or below {@code revision}; -1 when all are newer. */
  private static int indexAt(KeyValue[] versions, long revision) {
    int low = 0;
    int high = versions.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (versions[mid].modRevision() <= revision) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return high;
  }

  private static RangeResult walk(ConcurrentSkipListMap<String, Object> keys, KeyRange range, String from,
      boolean inclusive, long at, int limit, long maxBytes) {
    List<KeyValue> page = new ArrayList<>(Math.min(limit, 256));
    long count = 0;
    long bytes = 0;
    boolean full = false;
    for (Map.Entry<String, Object> e : keys.tailMap(from, inclusive).entrySet()) {
      if (range.pastEnd(e.getKey())) {
        break;
      }
      KeyValue kv = versionAt(e.getValue(), at);
      if (kv == null) {
        continue;
      }
      if (!full) {
        long size = kv.encodedSize();
        if (page.size() < limit && (page.isEmpty() || bytes + size <= maxBytes)) {
          page.add(kv);
          bytes += size;
        } else {
          full = true;
        }
      }
      count++;
    }
    return new RangeResult(page, count, count > page.size(), at);
  }

  /**
   * Drops what neither the compacted revision nor a hold needs any more, {@link #TRIM_BATCH_KEYS}
   * keys at a time, over as many calls as a pass takes. While revisions are retained a pass visits
   * only the keys changed at the revisions it compacts (from {@link #changedKeys}): a version becomes
   * unneeded only when a newer one of its key falls at or below the compacted revision, and that
   * newer one is such a change; so the work is one visit per change, not one per key with history
   * per compaction (at 10,000 keys that was 8 µs per write). Without retained revisions (no log of
   * changes) a pass visits every key with history once. Apply thread only.
   */
  private void dropUnneededVersions() {
    if (passLeft == 0) {
      long upTo = compactedRevision;
      for (Hold hold : holds) {
        upTo = Math.min(upTo, hold.keptFrom);
      }
      if (upTo <= droppedUpTo) {
        return;
      }
      passTarget = upTo;
      Map<Long, Object> compacted = changedKeys.headMap(upTo, true);
      if (retainedRevisions > 0) {
        for (Object changed : compacted.values()) {
          if (changed instanceof String key) {
            historyQueue.add(key);
          } else {
            historyQueue.addAll(Arrays.asList((String[]) changed));
          }
        }
      }
      compacted.clear();
      passLeft = historyQueue.size();
    }
    for (int n = Math.min(passLeft, TRIM_BATCH_KEYS); n > 0; n--) {
      passLeft--;
      String key = historyQueue.poll();
      // One search instead of a get and a put; null when nothing is kept (the key is removed) and
      // when the key is gone already (changed twice in the pass's revisions, removed at its first
      // visit: then withHistory no longer holds it either).
      Object kept = keys.computeIfPresent(key, keptAfterPass);
      if (retainedRevisions == 0) {
        if (kept == null || (kept instanceof KeyValue only && !isTombstone(only))) {
          withHistory.remove(key);
        } else {
          historyQueue.add(key);
        }
      }
    }
    if (passLeft == 0) {
      droppedUpTo = passTarget;
    }
  }

  private static boolean sameKeys(String[] a, String[] b) {
    return a.length == b.length && new HashSet<>(Arrays.asList(a)).equals(new HashSet<>(Arrays.asList(b)));
  }

  private static Object withKey(Object keys, Object key) {
    String[] before = keys instanceof String one ? new String[] {one} : (String[]) keys;
    String[] after = Arrays.copyOf(before, before.length + 1);
    after[before.length] = (String) key;
    return after;
  }

  private void noteHistory(String key) {
    // With retained revisions the log of changes tells compaction where to look.
    if (retainedRevisions == 0 && withHistory.add(key)) {
      historyQueue.add(key);
    }
  }

  /** What a read at {@code revision} or later still needs of {@code versions}; null for nothing. */
  private static Object keptAfterCompaction(Object versions, long revision) {
    if (versions instanceof KeyValue only) {
      return only.modRevision() <= revision && isTombstone(only) ? null : only;
    }
    KeyValue[] all = (KeyValue[]) versions;
    int i = indexAt(all, revision);
    int from = i < 0 ? 0 : isTombstone(all[i]) ? i + 1 : i;
    return switch (all.length - from) {
      case 0 -> null;
      case 1 -> all[from];
      default -> from == 0 ? all : Arrays.copyOfRange(all, from, all.length);
    };
  }

  private static Object append(Object versions, KeyValue kv) {
    if (versions == null) {
      return kv;
    }
    if (versions instanceof KeyValue only) {
      return new KeyValue[] {only, kv};
    }
    KeyValue[] all = (KeyValue[]) versions;
    KeyValue[] longer = Arrays.copyOf(all, all.length + 1);
    longer[all.length] = kv;
    return longer;
  }

  private final class Txn implements WriteTxn {

    private final long revision;
    private final List<Event> events = new ArrayList<>();
    private final Set<String> changed = new HashSet<>();
    private int liveDelta;
    private boolean ended;

    Txn(long revision) {
      this.revision = revision;
    }

    @Override
    public long revision() {
      return revision;
    }

    @Override
    public Event put(String key, ByteString value, long lease) {
      requireOpen();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("a key must not be empty");
      }
      claim(key);
      // One search of the map instead of a get and a put (about a third of a put's apply time with
      // 10,000 keys went to comparing keys on those searches): compute swaps the new versions into
      // the node it found. It calls the function once, since the apply thread is the only writer.
      VersionAdded added = new VersionAdded(key, value, lease);
      keys.compute(key, added);
      if (added.hadVersions) {
        noteHistory(key);
      }
      if (added.event.prevKv() == null) {
        liveDelta++;
      }
      events.add(added.event);
      return added.event;
    }

    /** Adds a put's version to a key's versions (null: none yet) and records what it found and made. */
    private final class VersionAdded implements BiFunction<String, Object, Object> {
      private final String key;
      private final ByteString value;
      private final long lease;
      boolean hadVersions;
      Event event;

      VersionAdded(String key, ByteString value, long lease) {
        this.key = key;
        this.value = value;
        this.lease = lease;
      }

      @Override
      public Object apply(String ignored, Object versions) {
        KeyValue prev = versionAt(versions, revision - 1);
        KeyValue kv = prev == null
            ? new KeyValue(key, value, revision, revision, 1, lease)
            : new KeyValue(key, value, prev.createRevision(), revision, prev.version() + 1, lease);
        hadVersions = versions != null;
        event = Event.put(kv, prev);
        return append(versions, kv);
      }
    }

    @Override
    public List<Event> delete(KeyRange range) {
      requireOpen();
      List<Event> deleted = new ArrayList<>();
      for (Map.Entry<String, Object> e : keys.tailMap(range.start(), true).entrySet()) {
        String key = e.getKey();
        if (range.pastEnd(key)) {
          break;
        }
        KeyValue prev = versionAt(e.getValue(), revision - 1);
        if (changed.contains(key)) {
          if (versionAt(e.getValue(), revision) == null) {
            // Deleted by an earlier delete of this transaction: already gone.
            continue;
          }
          throw new IllegalArgumentException("key \"" + key + "\" is changed twice in revision " + revision);
        }
        if (prev == null) {
          continue;
        }
        claim(key);
        Event event = Event.delete(prev, revision);
        keys.put(key, append(e.getValue(), event.kv()));
        noteHistory(key);
        liveDelta--;
        deleted.add(event);
      }
      events.addAll(deleted);
      return deleted;
    }

    @Override
    public ReadView view() {
      requireOpen();
      return new TxnView();
    }

    @Override
    public List<Event> events() {
      return List.copyOf(events);
    }

    @Override
    public long end() {
      requireOpen();
      ended = true;
      openTxn = null;
      if (!events.isEmpty()) {
        liveKeys += liveDelta;
        if (retainedRevisions > 0) {
          changedKeys.put(revision, events.size() == 1
              ? events.get(0).key()
              : events.stream().map(Event::key).toArray(String[]::new));
        }
        // The volatile write that makes every version of this transaction visible at once.
        currentRevision = revision;
      }
      // Written so that nothing overflows with RETAIN_UNTIL_COMPACTED: current - compacted >= 0.
      if (currentRevision - compactedRevision - retainedRevisions >= compactionStep) {
        compact(currentRevision - retainedRevisions);
      } else if (passLeft > 0 || droppedUpTo < compactedRevision) {
        // A pass to finish, or a hold that kept the last compaction back may have ended since.
        dropUnneededVersions();
      }
      return currentRevision;
    }

    /**
     * The store at this transaction's revision with its changes so far, read on the apply thread
     * while the transaction is open: no hold is needed, as nothing else writes or compacts then.
     */
    private final class TxnView implements ReadView {

      @Override
      public long currentRevision() {
        return revision;
      }

      @Override
      public long compactedRevision() {
        return compactedRevision;
      }

      @Override
      public Optional<KeyValue> get(String key, long at) {
        ownRevision(at);
        return Optional.ofNullable(versionAt(keys.get(key), revision));
      }

      @Override
      public RangeResult range(KeyRange range, long at, int limit, long maxBytes) {
        ownRevision(at);
        return walk(keys, range, range.start(), true, revision, limit == 0 ? Integer.MAX_VALUE : limit, maxBytes);
      }

      @Override
      public long scan(KeyRange range, long at, boolean descending, Predicate<KeyValue> visitor) {
        ownRevision(at);
        for (Map.Entry<String, Object> e : keysOf(keys, range, descending).entrySet()) {
          KeyValue kv = versionAt(e.getValue(), revision);
          if (kv != null && !visitor.test(kv)) {
            break;
          }
        }
        return revision;
      }

      @Override
      public List<Event> changes(long fromRevision, long toRevision) {
        throw new UnsupportedOperationException("a transaction's view has no history; read changes from the store");
      }

      /** Checks that {@code at} asks for this transaction's revision: 0 or its own. */
      private void ownRevision(long at) {
        requireOpen();
        if (at != 0 && at != revision) {
          throw new IllegalArgumentException("a transaction's view reads its own revision " + revision + ", not "
              + at);
        }
      }
    }

    private void claim(String key) {
      if (!changed.add(key)) {
        throw new IllegalArgumentException("key \"" + key + "\" is changed twice in revision " + revision);
      }
    }

    private void requireOpen() {
      if (ended) {
        throw new IllegalStateException("the transaction of revision " + revision + " has ended");
      }
    }
  }

  /**
   * A revision being read: while the hold is in {@link #holds}, compaction keeps every version a
   * read at {@code keptFrom} or later needs (a range read keeps its own revision; a view also the
   * history back to the compacted revision it was opened at, which a snapshot carries).
   */
  private static final class Hold {

    final ConcurrentSkipListMap<String, Object> map;
    final long revision;
    final long keptFrom;

    Hold(ConcurrentSkipListMap<String, Object> map, long revision, long keptFrom) {
      this.map = map;
      this.revision = revision;
      this.keptFrom = keptFrom;
    }
  }

  /**
   * The store held at one revision (see {@link #openView()}): compaction keeps the versions it needs
   * until {@link #close()}. Readable on any thread.
   */
  public final class RevisionView implements AutoCloseable {

    private final Hold hold;
    private final int size;
    private volatile boolean closed;

    private RevisionView(Hold hold, int size) {
      this.hold = hold;
      this.size = size;
    }

    /** The revision the view shows. */
    public long revision() {
      return hold.revision;
    }

    /** The number of keys at the view's revision. */
    public int size() {
      return size;
    }

    /** The compacted revision when the view was opened: the oldest its {@link #versions()} reach back to. */
    public long compactedRevision() {
      return hold.keptFrom;
    }

    /**
     * For each revision after {@link #compactedRevision()} up to {@link #revision()} that changed
     * several keys, the keys in the order they were changed (what {@link #versions()} cannot tell);
     * empty for a store that retains no revisions. What
     * {@link MvccStore#reset(List, long, long, Map)} takes back.
     */
    public NavigableMap<Long, String[]> changeOrders() {
      NavigableMap<Long, String[]> orders = new TreeMap<>();
      // The view's hold keeps these entries: compaction drops none above its keptFrom.
      changedKeys.subMap(hold.keptFrom, false, hold.revision, true).forEach((revision, keys) -> {
        if (keys instanceof String[] several) {
          orders.put(revision, several);
        }
      });
      return orders;
    }

    /**
     * Every version a read between {@link #compactedRevision()} and {@link #revision()} needs,
     * deletions included, in key order and within a key in ascending revision: what
     * {@link MvccStore#reset(List, long, long)} takes back. Lazily, so a million keys are never in
     * one list; any thread, as often as needed while the view is open. A store that retains no
     * revisions holds only its versions at the view's revision: its entries then.
     *
     * @throws IllegalStateException from the iterator once the view is closed: compaction may have
     *     dropped versions it would return, and a snapshot being written stops at once
     */
    public Iterator<KeyValue> versions() {
      Iterator<Object> all = hold.map.values().iterator();
      long revision = hold.revision;
      long from = hold.keptFrom;
      return new Iterator<>() {
        private final ArrayDeque<KeyValue> ready = new ArrayDeque<>();

        @Override
        public boolean hasNext() {
          while (ready.isEmpty() && all.hasNext()) {
            Object kept = keptAfterCompaction(all.next(), from);
            if (closed) {
              throw new IllegalStateException("the view at revision " + revision + " was closed while being read");
            }
            if (kept instanceof KeyValue only) {
              if (only.modRevision() <= revision) {
                ready.add(only);
              }
            } else if (kept != null) {
              for (KeyValue kv : (KeyValue[]) kept) {
                if (kv.modRevision() <= revision) {
                  ready.add(kv);
                }
              }
            }
          }
          return !ready.isEmpty();
        }

        @Override
        public KeyValue next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return ready.poll();
        }
      };
    }

    /** Releases the revision; the next compaction or write may drop what only the view needed. Idempotent. */
    @Override
    public void close() {
      closed = true;
      holds.remove(hold);
    }
  }
}
