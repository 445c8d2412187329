package dev.kvstore.failover;

import static org.awaitility.Awaitility.await;

import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.failover.history.AcknowledgedWritesCheck;
import dev.kvstore.failover.history.CheckResult;
import dev.kvstore.failover.history.History;
import dev.kvstore.failover.history.HistoryRecorder;
import dev.kvstore.failover.history.LinearizabilityChecker;
import dev.kvstore.failover.history.OpType;
import dev.kvstore.failover.history.Operation;
import dev.kvstore.failover.history.Outcome;
import dev.kvstore.failover.history.WatchHistoryCheck;
import dev.kvstore.failover.store.RevisionChanges;
import dev.kvstore.failover.store.StoreGuarantee;
import dev.kvstore.failover.store.StoreHistoryCheck;
import dev.kvstore.failover.store.StoreHistoryRecorder;
import dev.kvstore.failover.store.StoreOperation;
import dev.kvstore.failover.store.Violations;
import dev.kvstore.failover.store.WatchGuarantee;
import dev.kvstore.failover.store.WatchGuaranteeCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault scenario: workloads run against the cluster while the scenario injects and heals a
 * fault; afterwards the recorded histories are checked and the unavailability window after the
 * fault is measured. Checks: linearizability per key of the register workload, no acknowledged
 * write lost, original watchers saw only committed values in order; the whole-store model
 * ({@link StoreHistoryCheck}) over every call of every workload, transactions included, against the
 * store's history replayed from the run's first revision; the transfer workload's constant total;
 * and the watch guarantees ({@link WatchGuaranteeCheck}) of watchers that lived through the fault.
 */
final class FaultRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);
  private static final int FINAL_READER = 1_000;

  /** What a run found; the suite asserts on it and writes it to the report. */
  record Outcomes(String scenario, int operations, long ok, long failed, long unknown, Long unavailableMs,
      Long rejoinMs, CheckResult linearizability, List<String> lostWrites, List<String> watchViolations,
      List<String> watchErrors, StoreOutcomes store) {

    String summary() {
      return String.format("| %s | %d | %d | %d | %d | %s | %s | %s | %d | %d | %d | %d | %s | %d | %s | %d/%d/%d | %d |",
          scenario, operations, ok, failed, unknown, unavailableMs == null ? "-" : unavailableMs + " ms",
          rejoinMs == null ? "-" : rejoinMs + " ms", linearizability.verdict(), lostWrites.size(),
          watchViolations.size(), store.calls(), store.revisions(), store.violations(), store.transfers(),
          store.watchGuarantees(), store.lockAcquisitions(), store.protectedWrites(), store.fencedOff(),
          store.exclusionBreaches().size());
    }
  }

  /**
   * What the whole-store checks found.
   *
   * @param calls             calls of all workloads in the store history
   * @param revisions         revisions of the run checked
   * @param violations        the whole-store model's findings
   * @param transfers         acknowledged transfers whose compares held
   * @param bankViolations    breaches of the transfer workload's invariant
   * @param watchGuarantees   what the watchers that lived through the fault broke
   * @param watchErrors       watches of the Watch service that ended for good
   * @param lockAcquisitions  tenures of the lock workload
   * @param protectedWrites   acknowledged protected writes of lock holders
   * @param fencedOff         protected writes the fence turned away (the holder had lost the lock)
   * @param exclusionBreaches breaches of the lock's mutual exclusion
   */
  record StoreOutcomes(int calls, long revisions, Violations<StoreGuarantee> violations, long transfers,
      List<String> bankViolations, Violations<WatchGuarantee> watchGuarantees, List<String> watchErrors,
      long lockAcquisitions, long protectedWrites, long fencedOff, List<String> exclusionBreaches) {
  }

  private final String scenario;
  private final ContainerCluster cluster;
  /** How the workloads connect; the observer, watchers of the whole store and the replay use the cluster's own. */
  private final ClientAccess workloadAccess;
  private final HistoryRecorder recorder = new HistoryRecorder();
  private final StoreHistoryRecorder storeRecorder = new StoreHistoryRecorder();
  private final RecordedStoreCalls calls = new RecordedStoreCalls(storeRecorder);
  private final Workload workload;
  private final long seed;
  private TransferWorkload transfers;
  private LockWorkload locks;
  private RevisionWatchers revisionWatchers;
  private long startRevision;
  private final KvClient observer;
  private final Path reportDir;
  private long faultNanos = -1;
  private Long rejoinMs;
  private boolean finished;

  /**
   * @param workloadAccess how the workloads' clients connect (TLS, sign-in): a user that may read
   *                       and write the keys under {@code scenario + "/"} is enough; the observer,
   *                       the watchers of every key and the replay connect as {@link
   *                       ContainerCluster#access()} says
   */
  FaultRun(String scenario, ContainerCluster cluster, ClientAccess workloadAccess, Path reportDir, long seed) {
    this.scenario = scenario;
    this.cluster = cluster;
    this.workloadAccess = workloadAccess;
    this.reportDir = reportDir;
    this.seed = seed;
    this.workload = new Workload(scenario + "/", workloadAccess, cluster.endpoints(), cluster.endpoints(), 2,
        recorder, calls, seed);
    this.observer = cluster.access().builder(cluster.endpoints())
        .requestTimeout(Duration.ofSeconds(10)).attemptTimeout(Duration.ofSeconds(2)).build();
  }

  /**
   * Waits until every node is reachable and has applied what the leader committed (a fault injected
   * while a node is still catching up would test something else), then starts the watchers of
   * every key from the next revision, opens the accounts, starts the workloads and waits for a
   * baseline of successful writes.
   */
  FaultRun begin() throws InterruptedException {
    for (String id : cluster.ids()) {
      awaitCaughtUp(id, Duration.ofSeconds(90));
    }
    startRevision = currentRevision() + 1;
    // One revision watcher (the register workload has two watchers of its own): on two cores
    // every client thread counts (see the transfers below).
    revisionWatchers = new RevisionWatchers(cluster.access(), cluster.endpoints(), startRevision, 1);
    revisionWatchers.awaitCreated(Duration.ofSeconds(30));
    // Two failing-over clients only: the register workload's pinned clients already probe each
    // node, and on two cores three more closed loops starved the nodes (elections and catch-ups
    // beyond the scenarios' bounds in CI).
    transfers = new TransferWorkload(scope(), workloadAccess, cluster.endpoints(), List.of(), 2, calls, startRevision,
        seed);
    transfers.open(Duration.ofSeconds(60));
    locks = new LockWorkload(scope(), workloadAccess, cluster.endpoints(), 2, calls, seed);
    workload.start();
    transfers.start();
    locks.start();
    awaitOkWritesSince(Long.MIN_VALUE, 20, Duration.ofSeconds(60));
    return this;
  }

  /** Waits until {@code id} is reachable and has applied what the leader had committed (within a few entries). */
  void awaitCaughtUp(String id, Duration limit) {
    await().atMost(limit).pollInterval(Duration.ofMillis(250)).ignoreException(KvClientException.class).until(() -> {
      List<MemberStatus> members = observer.status().getMembersList();
      long leaderCommit = members.stream().filter(m -> m.getRole() == MemberRole.LEADER)
          .mapToLong(MemberStatus::getCommitIndex).max().orElse(Long.MAX_VALUE);
      return members.stream().anyMatch(m -> m.getId().equals(id) && m.getReachable()
          && m.getAppliedIndex() >= leaderCommit - 5);
    });
  }

  /** The prefix of every key the run writes. */
  private String scope() {
    return scenario + "/";
  }

  /** The store's revision now, by a linearizable read (not recorded: it changes nothing). */
  private long currentRevision() {
    return await().atMost(Duration.ofSeconds(60)).ignoreException(KvClientException.class)
        .until(() -> observer.get(scope()).getHeader().getRevision(), r -> true);
  }

  String leader() {
    return await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader(observer).orElse(null), l -> l != null);
  }

  KvClient observer() {
    return observer;
  }

  /** The run's workload, for scenario-specific operations that must be in the history too. */
  Workload workload() {
    return workload;
  }

  /**
   * Marks the moment the fault took effect (call it when the nemesis call returned: writes still
   * complete while Docker carries it out); the unavailability window is measured from it.
   */
  void faultInjectedNow() {
    faultNanos = System.nanoTime();
  }

  /**
   * Brings the faulty node back with {@code recovery} (restart, resume, reconnect) and waits until
   * it serves a linearizable read itself: it knows the leader and has applied everything committed
   * before the read. The time from the recovery action to that read is the scenario's rejoin time.
   */
  void recoverAndAwaitServing(String id, Runnable recovery, Duration limit) {
    // Built while the node is down: identified by its certificate, as a password sign-in needs an answer.
    try (KvClient direct = workloadAccess.certificateOnly().builder(List.of(cluster.endpoint(id)))
        .requestTimeout(Duration.ofSeconds(2)).attemptTimeout(Duration.ofSeconds(2)).build()) {
      long started = System.nanoTime();
      recovery.run();
      // Each new reason the node gives, once, with its time: where a slow rejoin spends its time.
      String[] lastReason = {""};
      await().atMost(limit).pollInterval(Duration.ofMillis(50)).until(() -> {
        try {
          return direct.get(workload.keys().get(0)) != null;
        } catch (KvClientException e) {
          String reason = e.code() + " " + e.getMessage().replaceAll("[0-9]+", "#");
          if (!reason.equals(lastReason[0])) {
            lastReason[0] = reason;
            LOG.info("{}: {} not serving yet after {} ms: {}", scenario, id,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), e.getMessage());
          }
          return false;
        }
      });
      rejoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      LOG.info("{}: {} serves linearizable reads {} ms after it was brought back", scenario, id, rejoinMs);
    }
  }

  /** Waits until {@code count} writes that began after the fault (or after {@code sinceNanos}) succeeded. */
  void awaitOkWritesAfterFault(int count, Duration limit) {
    awaitOkWritesSince(faultNanos, count, limit);
  }

  void awaitOkWritesSince(long sinceNanos, int count, Duration limit) {
    await().atMost(limit).pollInterval(Duration.ofMillis(100)).until(() -> okWritesSince(sinceNanos) >= count);
  }

  private long okWritesSince(long sinceNanos) {
    return recorder.history().operations().stream()
        .filter(op -> op.type() != OpType.READ && op.outcome() == Outcome.OK && op.invokeNanos() >= sinceNanos)
        .count();
  }

  /** Stops the clients, reads every key once more, and runs every check. */
  Outcomes finish() throws InterruptedException {
    finished = true;
    workload.stopClients();
    transfers.stop();
    locks.stop();
    Map<String, String> finalValues = new LinkedHashMap<>();
    for (String key : workload.keys()) {
      // the cluster has healed; retry until a read succeeds rather than record a missing value
      String value = await().atMost(Duration.ofSeconds(60)).ignoreException(KvClientException.class)
          .until(() -> workload.readOrThrow(FINAL_READER, observer, key), v -> true).orElse(null);
      finalValues.put(key, value);
    }
    History history = recorder.history();
    // Watchers may still be delivering the last events; wait until they caught up to the last write.
    // Up to a minute: a watcher whose stream went to a paused node learns it only from the
    // transport's keep-alive (10 s, then its timeout) and then replays elsewhere, on two cores the
    // workloads keep busy; the checks below say whether anything is missing, not how fast.
    // Only writes that changed a key count (a delete of an absent key is recorded without a revision).
    long lastRevision = history.operations().stream().filter(op -> op.outcome() == Outcome.OK && op.type().isWrite())
        .mapToLong(Operation::revision).max().orElse(0);
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> workload.watchEvents().values().stream()
          .allMatch(events -> lastRevision == 0
              || !events.isEmpty() && events.get(events.size() - 1).revision() >= lastRevision));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // Say where each watcher stopped and whether it failed for good: a stalled stream and a
      // watch that ended with an error look the same from here.
      Map<String, Long> reached = new LinkedHashMap<>();
      workload.watchEvents().forEach((name, events) ->
          reached.put(name, events.isEmpty() ? 0 : events.get(events.size() - 1).revision()));
      throw new AssertionError(scenario + ": watchers did not reach revision " + lastRevision
          + " within 60 s; last revision each received: " + reached + "; watch errors: " + workload.watchErrors(), e);
    }

    StoreOutcomes store = checkStore();
    CheckResult linearizable = new LinearizabilityChecker().check(history);
    List<String> lost = AcknowledgedWritesCheck.check(history, finalValues);
    List<String> watch = new ArrayList<>(WatchHistoryCheck.check(workload.watchEvents(), history));
    watch.addAll(WatchHistoryCheck.missingWrites(workload.watchEvents(), history));
    List<Operation> ops = history.operations();
    Outcomes out = new Outcomes(scenario, ops.size(),
        count(ops, Outcome.OK), count(ops, Outcome.FAIL), count(ops, Outcome.UNKNOWN), unavailableMs(ops), rejoinMs,
        linearizable, lost, watch, workload.watchErrors(), store);
    writeReport(history, out);
    LOG.info("{}: {} operations ({} ok, {} failed, {} unknown); unavailable after the fault for {} ms;"
        + " linearizability {}; lost writes {}; watch violations {}; whole store: {} calls, {} revisions,"
        + " violations {}, {} transfers, bank violations {}, watch guarantees broken {}; lock: {} tenures, {}"
        + " protected writes, {} fenced off, mutual exclusion breaches {}", scenario, out.operations(),
        out.ok(), out.failed(), out.unknown(), out.unavailableMs(), linearizable.verdict(), lost.size(), watch.size(),
        store.calls(), store.revisions(), store.violations(), store.transfers(), store.bankViolations().size(),
        store.watchGuarantees(), store.lockAcquisitions(), store.protectedWrites(), store.fencedOff(),
        store.exclusionBreaches().size());
    return out;
  }

  /**
   * The whole-store checks: the store's history from the run's first revision to now, replayed by
   * a new watcher, explains every recorded call; the bank's total held at every revision; the
   * watchers that lived through the fault got that history, each revision whole, once, in order.
   */
  private StoreOutcomes checkStore() throws InterruptedException {
    long endRevision = currentRevision();
    revisionWatchers.awaitDelivered(endRevision, Duration.ofSeconds(30));
    List<RevisionChanges> history = RevisionWatchers.replay(cluster.access(), cluster.endpoints(), startRevision,
        endRevision, Duration.ofSeconds(60));
    List<StoreOperation> ops = storeRecorder.operations();
    StoreHistoryCheck.Result result = StoreHistoryCheck.check(startRevision, scope(), history, ops);
    Set<Long> acknowledged = new HashSet<>(result.writers().entrySet().stream()
        .filter(w -> w.getValue().outcome() == Outcome.OK).map(Map.Entry::getKey).toList());
    Violations<WatchGuarantee> watchGuarantees = WatchGuaranteeCheck.check(history, "", startRevision, endRevision,
        acknowledged, result.opOrder(), revisionWatchers.deliveries());
    return new StoreOutcomes(ops.size(), endRevision - startRevision + 1, result.violations(), transfers.transfers(),
        transfers.invariantViolations(result.timeline()), watchGuarantees, revisionWatchers.errors(),
        locks.acquisitions(), locks.protectedWrites(), locks.fencedOff(),
        locks.mutualExclusionViolations(result.timeline()));
  }

  private static long count(List<Operation> ops, Outcome outcome) {
    return ops.stream().filter(op -> op.outcome() == outcome).count();
  }

  /** From the fault to the completion of the first write that began after it and succeeded. */
  private Long unavailableMs(List<Operation> ops) {
    if (faultNanos < 0) {
      return null;
    }
    return ops.stream()
        .filter(op -> op.type() != OpType.READ && op.outcome() == Outcome.OK && op.invokeNanos() >= faultNanos)
        .mapToLong(Operation::completeNanos)
        .min()
        .stream().mapToObj(done -> TimeUnit.NANOSECONDS.toMillis(done - faultNanos)).findFirst().orElse(null);
  }

  private void writeReport(History history, Outcomes out) {
    try {
      Files.createDirectories(reportDir);
      List<String> lines = new ArrayList<>();
      lines.add("scenario: " + scenario);
      if (out != null) {
        lines.add("linearizability: " + out.linearizability());
        lines.add("lost writes: " + out.lostWrites());
        lines.add("watch violations: " + out.watchViolations());
        lines.add("watch errors: " + out.watchErrors());
        lines.add("whole-store model: " + out.store().violations());
        lines.addAll(out.store().violations().lines());
        lines.add("bank invariant: " + out.store().bankViolations());
        lines.add("watch guarantees: " + out.store().watchGuarantees());
        lines.addAll(out.store().watchGuarantees().lines());
        lines.add("revision watch errors: " + out.store().watchErrors());
        lines.add("mutual exclusion: " + out.store().exclusionBreaches());
      } else {
        lines.add("did not finish; last client errors:");
        lines.addAll(workload.recentErrors());
      }
      lines.add("");
      lines.add(history.dump());
      Files.write(reportDir.resolve(scenario + "-history.txt"), lines);
      List<String> calls = new ArrayList<>();
      List<StoreOperation> ops = storeRecorder.operations();
      long origin = ops.isEmpty() ? 0 : ops.get(0).invokeNanos();
      ops.forEach(op -> calls.add(op.describe(origin)));
      Files.write(reportDir.resolve(scenario + "-store-calls.txt"), calls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (!finished) {
      LOG.warn("{} did not finish; the clients' last errors:\n  {}", scenario,
          String.join("\n  ", workload.recentErrors()));
      writeReport(recorder.history(), null);
    }
    workload.close();
    if (transfers != null) {
      transfers.close();
    }
    if (locks != null) {
      locks.close();
    }
    if (revisionWatchers != null) {
      revisionWatchers.close();
    }
    observer.close();
  }
}
