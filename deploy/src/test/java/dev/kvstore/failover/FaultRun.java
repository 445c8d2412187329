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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault scenario: a workload runs against the cluster while the scenario injects and heals a
 * fault; afterwards the recorded history is checked (linearizability per key, no acknowledged write
 * lost, watchers saw only committed values in revision order without duplicates) and the
 * unavailability window after the fault is measured.
 */
final class FaultRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);
  private static final int FINAL_READER = 1_000;

  /** What a run found; the suite asserts on it and writes it to the report. */
  record Outcomes(String scenario, int operations, long ok, long failed, long unknown, Long unavailableMs,
      Long rejoinMs, CheckResult linearizability, List<String> lostWrites, List<String> watchViolations,
      List<String> watchErrors) {

    String summary() {
      return String.format("| %s | %d | %d | %d | %d | %s | %s | %s | %d | %d |", scenario, operations, ok, failed,
          unknown, unavailableMs == null ? "-" : unavailableMs + " ms", rejoinMs == null ? "-" : rejoinMs + " ms",
          linearizability.verdict(), lostWrites.size(), watchViolations.size());
    }
  }

  private final String scenario;
  private final ContainerCluster cluster;
  private final HistoryRecorder recorder = new HistoryRecorder();
  private final Workload workload;
  private final KvClient observer;
  private final Path reportDir;
  private long faultNanos = -1;
  private Long rejoinMs;
  private boolean finished;

  FaultRun(String scenario, ContainerCluster cluster, Path reportDir, long seed) {
    this.scenario = scenario;
    this.cluster = cluster;
    this.reportDir = reportDir;
    this.workload = new Workload(scenario + "/", cluster.endpoints(), cluster.endpoints(), 2, recorder, seed);
    this.observer = KvClient.builder().endpoints(cluster.endpoints())
        .requestTimeout(Duration.ofSeconds(10)).attemptTimeout(Duration.ofSeconds(2)).build();
  }

  /**
   * Waits until every node is reachable and has applied what the leader committed (a fault injected
   * while a node is still catching up would test something else), then starts the workload and
   * waits for a baseline of successful writes.
   */
  FaultRun begin() throws InterruptedException {
    for (String id : cluster.ids()) {
      awaitCaughtUp(id, Duration.ofSeconds(90));
    }
    workload.start();
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
    try (KvClient direct = KvClient.builder().endpoints(cluster.endpoint(id))
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
    Map<String, String> finalValues = new LinkedHashMap<>();
    for (String key : workload.keys()) {
      // the cluster has healed; retry until a read succeeds rather than record a missing value
      String value = await().atMost(Duration.ofSeconds(60)).ignoreException(KvClientException.class)
          .until(() -> workload.readOrThrow(FINAL_READER, observer, key), v -> true).orElse(null);
      finalValues.put(key, value);
    }
    History history = recorder.history();
    // Watchers may still be delivering the last events; wait until they caught up to the last write.
    long lastRevision = history.operations().stream().filter(op -> op.outcome() == Outcome.OK && op.type().isWrite())
        .mapToLong(Operation::revision).max().orElse(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> workload.watchEvents().values().stream()
        .allMatch(events -> lastRevision == 0
            || !events.isEmpty() && events.get(events.size() - 1).revision() >= lastRevision));

    CheckResult linearizable = new LinearizabilityChecker().check(history);
    List<String> lost = AcknowledgedWritesCheck.check(history, finalValues);
    List<String> watch = new ArrayList<>(WatchHistoryCheck.check(workload.watchEvents(), history));
    watch.addAll(WatchHistoryCheck.missingWrites(workload.watchEvents(), history));
    List<Operation> ops = history.operations();
    Outcomes out = new Outcomes(scenario, ops.size(),
        count(ops, Outcome.OK), count(ops, Outcome.FAIL), count(ops, Outcome.UNKNOWN), unavailableMs(ops), rejoinMs,
        linearizable, lost, watch, workload.watchErrors());
    writeReport(history, out);
    LOG.info("{}: {} operations ({} ok, {} failed, {} unknown); unavailable after the fault for {} ms;"
        + " linearizability {}; lost writes {}; watch violations {}", scenario, out.operations(), out.ok(),
        out.failed(), out.unknown(), out.unavailableMs(), linearizable.verdict(), lost.size(), watch.size());
    return out;
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
      } else {
        lines.add("did not finish; last client errors:");
        lines.addAll(workload.recentErrors());
      }
      lines.add("");
      lines.add(history.dump());
      Files.write(reportDir.resolve(scenario + "-history.txt"), lines);
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
    observer.close();
  }
}
