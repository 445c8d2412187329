package dev.kvstore.statemachine.auth;

import dev.kvstore.statemachine.KeyOrder;
import dev.kvstore.statemachine.KeyRange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Whether several ranges together cover every key of another: a user may read or write a range
 * when the ranges its roles grant cover it, even when no single one does (as etcd's
 * {@code rangePermCache} merges a user's intervals). Ranges are compared in key order
 * ({@link KeyOrder}), each as [start, first key after it).
 */
final class RangeCoverage {

  private RangeCoverage() {}

  /** Whether every key of {@code target} is in at least one of {@code ranges}. */
  static boolean covers(Collection<KeyRange> ranges, KeyRange target) {
    if (target.kind() == KeyRange.Kind.KEY) {
      return ranges.stream().anyMatch(r -> r.contains(target.start()));
    }
    List<KeyRange> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparing(KeyRange::start, KeyOrder.INSTANCE));
    String end = target.upperBound();
    // Every key before `covered` (and from the target's start) is in some range seen so far.
    String covered = target.start();
    for (KeyRange r : sorted) {
      if (KeyOrder.INSTANCE.compare(r.start(), covered) > 0) {
        // a gap: no later range starts early enough to fill it
        return false;
      }
      String after = r.upperBound();
      if (after == null) {
        return true;
      }
      if (KeyOrder.INSTANCE.compare(after, covered) > 0) {
        covered = after;
      }
      if (end != null && KeyOrder.INSTANCE.compare(covered, end) >= 0) {
        return true;
      }
    }
    return false;
  }
}
