package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An immutable set of recorded client operations, ordered by invocation time. */
public final class History {

  private static final Comparator<Operation> BY_INVOCATION =
      Comparator.comparingLong(Operation::invokeNanos).thenComparingLong(Operation::id);

  private final List<Operation> operations;

  private History(List<Operation> operations) {
    this.operations = operations;
  }

  /** A history of the given operations, in any order. */
  public static History of(Collection<Operation> operations) {
    List<Operation> sorted = new ArrayList<>(operations);
    sorted.sort(BY_INVOCATION);
    return new History(List.copyOf(sorted));
  }

  /** The history with no operations. */
  public static History empty() {
    return new History(List.of());
  }

  /** All operations, ordered by invocation time. */
  public List<Operation> operations() {
    return operations;
  }

  public int size() {
    return operations.size();
  }

  public boolean isEmpty() {
    return operations.isEmpty();
  }

  /** The operations of each key, keys in sorted order so that reports are stable across runs. */
  public Map<String, List<Operation>> byKey() {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : operations) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    byKey.replaceAll((key, ops) -> List.copyOf(ops));
    return Collections.unmodifiableMap(byKey);
  }

  /** The sub-history of one key. */
  public History forKey(String key) {
    return new History(operations.stream().filter(op -> op.key().equals(key)).toList());
  }

  /**
   * The earliest invocation time, which {@link #dump()} and checker reports use as time zero so
   * that their times can be compared; 0 for an empty history.
   */
  public long originNanos() {
    return operations.isEmpty() ? 0 : operations.get(0).invokeNanos();
  }

  /** One line per operation in invocation order, for failure messages and CI artifacts. */
  public String dump() {
    long origin = originNanos();
    StringBuilder text = new StringBuilder()
        .append(operations.size()).append(" operations on ").append(byKey().size())
        .append(" keys; times in ms since the first invocation (nanoTime ").append(origin)
        .append(")\n");
    for (Operation op : operations) {
      text.append(op.describe(origin)).append('\n');
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return "History[" + operations.size() + " operations]";
  }
}
