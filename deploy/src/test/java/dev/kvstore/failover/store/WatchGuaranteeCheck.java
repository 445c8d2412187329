package dev.kvstore.failover.store;

import dev.kvstore.api.WatchEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks what watchers of the Watch service received, a revision at a time, against the store's
 * history; each finding names the {@link WatchGuarantee} it breaks. The watchers must have started at
 * the history's first revision and cover the keys under one prefix ("" = every key).
 */
public final class WatchGuaranteeCheck {

  private final NavigableMap<Long, List<WatchEvent>> expected = new TreeMap<>();
  private final Set<Long> acknowledged;
  private final Map<Long, List<WatchEvent>> opOrder;
  private final String prefix;
  private final long startRevision;
  private final long endRevision;
  private final Violations<WatchGuarantee> violations = new Violations<>(WatchGuarantee.class);

  private WatchGuaranteeCheck(List<RevisionChanges> history, String prefix, long startRevision, long endRevision,
      Set<Long> acknowledged, Map<Long, List<WatchEvent>> opOrder) {
    for (RevisionChanges changes : history) {
      List<WatchEvent> covered = changes.comparable().stream()
          .filter(e -> e.getKv().getKey().startsWith(prefix)).toList();
      if (!covered.isEmpty() && changes.revision() >= startRevision && changes.revision() <= endRevision) {
        expected.putIfAbsent(changes.revision(), covered);
      }
    }
    this.acknowledged = acknowledged;
    this.opOrder = opOrder;
    this.prefix = prefix;
    this.startRevision = startRevision;
    this.endRevision = endRevision;
  }

  /**
   * Checks every watcher.
   *
   * @param history       the store's history (see {@link StoreHistoryCheck})
   * @param prefix        the keys the watchers cover
   * @param startRevision the revision every watcher started at
   * @param endRevision   every watcher must have delivered the revisions it covers up to this one
   * @param acknowledged  the revisions of acknowledged writes under {@code prefix}
   * @param opOrder       the changes of revisions whose writer is known, in the order of its ops
   *                      ({@link StoreHistoryCheck.Result#opOrder()}); the history's own order may
   *                      differ when the node that replayed it loaded a snapshot
   * @param deliveries    for each watcher (by any name), its deliveries in the order received
   */
  public static Violations<WatchGuarantee> check(List<RevisionChanges> history, String prefix, long startRevision,
      long endRevision, Set<Long> acknowledged, Map<Long, List<WatchEvent>> opOrder,
      Map<String, List<RevisionChanges>> deliveries) {
    WatchGuaranteeCheck check = new WatchGuaranteeCheck(history, prefix, startRevision, endRevision, acknowledged,
        opOrder);
    new TreeMap<>(deliveries).forEach(check::checkWatcher);
    return check.violations;
  }

  private void checkWatcher(String watcher, List<RevisionChanges> received) {
    long previous = startRevision - 1;
    Set<Long> seen = new HashSet<>();
    for (RevisionChanges delivery : received) {
      long revision = delivery.revision();
      String where = "watcher " + watcher + ", " + delivery;
      if (!seen.add(revision)) {
        violations.add(WatchGuarantee.UNIQUE, where + ": delivered before");
      } else if (revision < previous) {
        violations.add(WatchGuarantee.ORDERED, where + ": after r" + previous);
      }
      if (revision > previous) {
        var skipped = expected.subMap(previous, false, revision, false).keySet();
        if (!skipped.isEmpty()) {
          violations.add(WatchGuarantee.RESUMABLE, where + ": " + skipped.size() + " revision(s) skipped after r"
              + previous + ": " + abbreviate(skipped));
        }
        previous = revision;
      }
      List<WatchEvent> store = expected.get(revision);
      List<WatchEvent> got = delivery.comparable();
      if (revision > endRevision) {
        continue;
      }
      if (store == null || !RevisionChanges.inKeyOrder(got).equals(RevisionChanges.inKeyOrder(store))) {
        violations.add(WatchGuarantee.ATOMIC_PER_REVISION, where + ": the store's changes at r" + revision + " are "
            + (store == null ? "none under the watched keys" : new RevisionChanges(revision, store)));
        continue;
      }
      List<WatchEvent> made = opOrder.get(revision);
      if (made != null && !got.equals(made.stream().filter(e -> e.getKv().getKey().startsWith(prefix)).toList())) {
        violations.add(WatchGuarantee.IN_OP_ORDER, where + ": made in the order " + new RevisionChanges(revision,
            made));
      }
    }
    var tail = expected.tailMap(previous, false).keySet();
    if (!tail.isEmpty()) {
      violations.add(WatchGuarantee.COMPLETE, "watcher " + watcher + " stopped at r" + previous + "; missing "
          + abbreviate(tail) + " up to r" + endRevision);
    }
    for (long revision : acknowledged) {
      if (revision >= startRevision && revision <= endRevision && !seen.contains(revision)) {
        violations.add(WatchGuarantee.COMPLETE, "watcher " + watcher + " never received the acknowledged write at r"
            + revision);
      }
    }
  }

  private static String abbreviate(Set<Long> revisions) {
    List<Long> list = List.copyOf(revisions);
    return list.size() <= 10 ? list.toString() : list.subList(0, 10) + " and " + (list.size() - 10) + " more";
  }
}
