package dev.kvstore.failover.store;

import com.google.protobuf.TextFormat;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.failover.history.Outcome;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks a run against a whole-store model, as etcd's robustness tests do: the store's history (every
 * revision with its changes, as a watcher of every key from the run's start received it) is replayed
 * through {@link TxnModel}, and every recorded call must be explained by it. Unlike a per-key
 * register model this checks transactions over several keys: a multi-key compare-and-swap is right
 * only if its compares held on the whole store just before its revision.
 *
 * <p>Each finding names the {@link StoreGuarantee} it breaks. Calls must touch only the run's keys
 * (the scope prefix). Writes with an unknown outcome are matched to unexplained revisions by their
 * effect; when two could explain one revision the earliest sent is taken, which is exact for puts of
 * unique values (the workloads write unique values) and may misattribute identical deletes.
 */
public final class StoreHistoryCheck {

  /**
   * What the check found.
   *
   * @param violations the findings, by guarantee
   * @param timeline   the state of the run's keys at every revision, for checks of a workload's own
   *                   invariants
   * @param writers    the call that made each revision of the run's keys, where one was found
   * @param opOrder    for each of those revisions, its changes in the order of the writer's ops
   */
  public record Result(Violations<StoreGuarantee> violations, StoreTimeline timeline,
      Map<Long, StoreOperation> writers, Map<Long, List<WatchEvent>> opOrder) {
  }

  private final StoreTimeline timeline;
  private final List<StoreOperation> operations;
  private final Violations<StoreGuarantee> violations = new Violations<>(StoreGuarantee.class);
  private final Map<Long, StoreOperation> writers = new TreeMap<>();
  private final Map<Long, List<WatchEvent>> opOrder = new TreeMap<>();
  private final long origin;
  /** Acknowledged calls on the current state by completion time, with the running maximum revision. */
  private final StoreOperation[] byCompletion;
  private final long[] completions;
  private final int[] latestUpTo;

  private StoreHistoryCheck(long startRevision, String scope, List<RevisionChanges> history,
      List<StoreOperation> operations) {
    this.timeline = new StoreTimeline(startRevision, scope, history, violations);
    this.operations = operations;
    this.origin = operations.stream().mapToLong(StoreOperation::invokeNanos).min().orElse(0);
    byCompletion = operations.stream().filter(op -> op.outcome() == Outcome.OK && op.pastRevision() == 0)
        .sorted(Comparator.comparingLong(StoreOperation::completeNanos)).toArray(StoreOperation[]::new);
    completions = Arrays.stream(byCompletion).mapToLong(StoreOperation::completeNanos).toArray();
    latestUpTo = new int[byCompletion.length];
    for (int i = 0; i < byCompletion.length; i++) {
      latestUpTo[i] = i > 0 && byCompletion[latestUpTo[i - 1]].revision() >= byCompletion[i].revision()
          ? latestUpTo[i - 1] : i;
    }
  }

  /**
   * Checks a run.
   *
   * @param startRevision the first revision of the run; its keys are all absent before it
   * @param scope         the prefix of the run's keys
   * @param history       the store's history from {@code startRevision} to at least the last
   *                      acknowledged call, in the order received
   * @param operations    every call of the run, in transaction form
   */
  public static Result check(long startRevision, String scope, List<RevisionChanges> history,
      List<StoreOperation> operations) {
    StoreHistoryCheck check = new StoreHistoryCheck(startRevision, scope, history, operations);
    check.checkAcknowledged();
    check.checkRealTimeOrder();
    check.explainOtherRevisions();
    return new Result(check.violations, check.timeline, Collections.unmodifiableMap(check.writers),
        Collections.unmodifiableMap(check.opOrder));
  }

  private void checkAcknowledged() {
    for (StoreOperation op : operations) {
      if (op.outcome() != Outcome.OK) {
        continue;
      }
      if (op.pastRevision() != 0 && op.revision() != op.pastRevision()) {
        violations.add(StoreGuarantee.READS_SEE_THEIR_REVISION, describe(op) + ": asked for r" + op.pastRevision()
            + ", answered at r" + op.revision());
      }
      if (op.wrote()) {
        checkWrite(op);
      } else {
        checkRead(op);
      }
    }
  }

  private void checkWrite(StoreOperation op) {
    long revision = op.revision();
    NavigableMap<String, KeyValue> before = timeline.stateAt(revision - 1);
    RevisionChanges changes = timeline.changesAt(revision);
    if (before == null || revision > timeline.lastRevision()) {
      violations.add(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED, describe(op) + ": r" + revision
          + " is outside the history (r" + timeline.startRevision() + "..r" + timeline.lastRevision() + ")");
      return;
    }
    if (changes == null) {
      violations.add(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED, describe(op) + ": r" + revision
          + " changed none of the run's keys");
      return;
    }
    StoreOperation other = writers.putIfAbsent(revision, op);
    if (other != null) {
      violations.add(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED, describe(op) + " and " + describe(other)
          + " were both acknowledged at r" + revision);
      return;
    }
    TxnModel.Execution run = TxnModel.run(op.request(), before, revision);
    String mismatch = mismatch(op, run);
    if (mismatch == null && !sameChanges(run.events(), changes)) {
      mismatch = "the model's changes " + new RevisionChanges(revision, run.events()) + " but the history has "
          + changes;
    }
    if (mismatch != null) {
      violations.add(StoreGuarantee.WRITES_APPLIED_AS_ACKNOWLEDGED, describe(op) + ": " + mismatch);
      return;
    }
    recordOpOrder(op, run, changes);
  }

  /** The same changes, in any order (a revision changes a key at most once). */
  private static boolean sameChanges(List<WatchEvent> made, RevisionChanges changes) {
    return RevisionChanges.inKeyOrder(made).equals(RevisionChanges.inKeyOrder(changes.comparable()));
  }

  private void recordOpOrder(StoreOperation op, TxnModel.Execution run, RevisionChanges changes) {
    opOrder.put(changes.revision(), run.events());
    if (!run.events().equals(changes.comparable())) {
      violations.add(StoreGuarantee.CHANGES_IN_OP_ORDER, describe(op) + ": made " + new RevisionChanges(
          changes.revision(), run.events()) + " but the history has them as " + changes);
    }
  }

  private void checkRead(StoreOperation op) {
    long revision = op.revision();
    NavigableMap<String, KeyValue> state = timeline.stateAt(revision);
    if (state == null) {
      violations.add(StoreGuarantee.READS_SEE_THEIR_REVISION, describe(op) + ": r" + revision
          + " is outside the history (r" + (timeline.startRevision() - 1) + "..r" + timeline.lastRevision() + ")");
      return;
    }
    TxnModel.Execution run = TxnModel.run(op.request(), state, revision + 1);
    String mismatch = run.changed()
        ? "the model's store at r" + revision + " has keys it would have changed: "
            + new RevisionChanges(revision + 1, run.events())
        : mismatch(op, run);
    if (mismatch != null) {
      violations.add(StoreGuarantee.READS_SEE_THEIR_REVISION, describe(op) + ": " + mismatch);
    }
  }

  /** How the answer differs from the model's run, or null. */
  private static String mismatch(StoreOperation op, TxnModel.Execution run) {
    if (run.succeeded() != op.response().getSucceeded()) {
      return "the compares " + (run.succeeded() ? "hold" : "fail") + " on the model but the node ran the "
          + (op.response().getSucceeded() ? "then" : "else") + " branch";
    }
    List<ResponseOp> answered = op.response().getResponsesList().stream().map(TxnModel::comparable).toList();
    if (!answered.equals(run.responses()) && !answered.equals(TxnModel.asRetryAnswer(run.responses()))) {
      return "answered " + text(answered) + " where the model answers " + text(run.responses());
    }
    return null;
  }

  private static String text(List<ResponseOp> responses) {
    return responses.stream().map(TextFormat.printer()::shortDebugString).collect(Collectors.joining("; ", "[", "]"));
  }

  /** Each call B begun after A completed: rev(B) >= rev(A), and > when B wrote. */
  private void checkRealTimeOrder() {
    for (StoreOperation later : byCompletion) {
      StoreOperation latest = latestCompletedBefore(later.invokeNanos());
      if (latest == null) {
        continue;
      }
      boolean wrote = later.wrote();
      if (wrote ? later.revision() <= latest.revision() : later.revision() < latest.revision()) {
        violations.add(StoreGuarantee.REAL_TIME_ORDER, describe(later) + " began after " + describe(latest)
            + " completed, yet its revision is " + (wrote ? "not greater" : "smaller"));
      }
    }
  }

  /** The acknowledged call with the greatest revision among those completed before {@code nanos}, or null. */
  private StoreOperation latestCompletedBefore(long nanos) {
    int i = Arrays.binarySearch(completions, nanos);
    int count = i >= 0 ? lowerBound(i) : -i - 1;
    return count == 0 ? null : byCompletion[latestUpTo[count - 1]];
  }

  private int lowerBound(int index) {
    int i = index;
    while (i > 0 && completions[i - 1] == completions[index]) {
      i--;
    }
    return i;
  }

  /** Revisions no acknowledged call claimed: writes with an unknown outcome, or something wrong. */
  private void explainOtherRevisions() {
    List<StoreOperation> unknown = operations.stream().filter(op -> op.outcome() == Outcome.UNKNOWN).toList();
    Set<Long> used = new HashSet<>();
    Map<Long, Long> usedAt = new HashMap<>();
    for (RevisionChanges changes : timeline.changes().values()) {
      long revision = changes.revision();
      if (writers.containsKey(revision)) {
        continue;
      }
      NavigableMap<String, KeyValue> before = timeline.stateAt(revision - 1);
      List<StoreOperation> matching = unknown.stream()
          .filter(op -> makes(op, before, changes)).toList();
      StoreOperation chosen = matching.stream().filter(op -> !used.contains(op.id()))
          .filter(op -> earliestRevision(op) <= revision).findFirst().orElse(null);
      if (chosen != null) {
        used.add(chosen.id());
        usedAt.put(chosen.id(), revision);
        writers.put(revision, chosen);
        recordOpOrder(chosen, TxnModel.run(chosen.request(), before, revision), changes);
        continue;
      }
      StoreOperation tooEarly = matching.stream().filter(op -> !used.contains(op.id())).findFirst().orElse(null);
      if (tooEarly != null) {
        violations.add(StoreGuarantee.REAL_TIME_ORDER, changes + " is the work of " + describe(tooEarly)
            + ", but " + describe(latestCompletedBefore(tooEarly.invokeNanos())) + " completed before it was sent");
        continue;
      }
      if (!matching.isEmpty()) {
        violations.add(StoreGuarantee.AT_MOST_ONCE, changes + " repeats " + describe(matching.get(0))
            + ", already applied at r" + usedAt.get(matching.get(0).id()));
        continue;
      }
      Finding other = otherExplanation(changes, before);
      if (other != null) {
        violations.add(other.guarantee(), other.text());
      } else if (!isLeaseEnd(changes, before)) {
        violations.add(StoreGuarantee.NO_PHANTOM_WRITES, changes + " was made by no recorded call");
      }
    }
  }

  private record Finding(StoreGuarantee guarantee, String text) {
  }

  /** What is wrong when an acknowledged or failed call made these changes, else null. */
  private Finding otherExplanation(RevisionChanges changes, NavigableMap<String, KeyValue> before) {
    for (StoreOperation op : operations) {
      if (op.outcome() == Outcome.UNKNOWN || !makes(op, before, changes)) {
        continue;
      }
      if (op.outcome() == Outcome.FAIL) {
        return new Finding(StoreGuarantee.FAILED_NEVER_APPLIED, changes + " is the work of " + describe(op)
            + ", which failed");
      }
      if (op.wrote()) {
        return new Finding(StoreGuarantee.AT_MOST_ONCE, changes + " repeats " + describe(op));
      }
    }
    return null;
  }

  private static boolean makes(StoreOperation op, NavigableMap<String, KeyValue> before, RevisionChanges changes) {
    TxnModel.Execution run = TxnModel.run(op.request(), before, changes.revision());
    return run.changed() && sameChanges(run.events(), changes);
  }

  /**
   * The deletion of every key of one lease, and nothing else: the lease expired or was revoked
   * (leases are not recorded calls).
   */
  private static boolean isLeaseEnd(RevisionChanges changes, NavigableMap<String, KeyValue> before) {
    Set<String> deleted = new HashSet<>();
    long lease = 0;
    for (WatchEvent e : changes.events()) {
      KeyValue prev = before.get(e.getKv().getKey());
      if (e.getType() != EventType.DELETE || prev == null || prev.getLease() == 0
          || lease != 0 && prev.getLease() != lease) {
        return false;
      }
      lease = prev.getLease();
      deleted.add(prev.getKey());
    }
    long ended = lease;
    return before.values().stream().filter(kv -> kv.getLease() == ended).map(KeyValue::getKey)
        .collect(Collectors.toSet()).equals(deleted);
  }

  /** The first revision at which a write sent at {@code op}'s invocation may be applied. */
  private long earliestRevision(StoreOperation op) {
    StoreOperation latest = latestCompletedBefore(op.invokeNanos());
    return latest == null ? Long.MIN_VALUE : latest.revision() + 1;
  }

  private String describe(StoreOperation op) {
    return op == null ? "?" : op.describe(origin);
  }
}
