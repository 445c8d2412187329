package dev.kvstore.failover.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Recording operations: values, times, outcomes, snapshots, misuse and concurrent clients. */
class HistoryRecorderTest {

  /** Advances by 10 on every reading, so each recorded time tells which call took it. */
  private final AtomicLong clock = new AtomicLong();
  private final HistoryRecorder recorder = new HistoryRecorder(() -> clock.addAndGet(10));

  @Test
  void recordsAReadWithItsResultTimesAndRevision() {
    long id = recorder.invoke(3, OpType.READ, "x", null);
    recorder.ok(id, "a", 42);

    assertThat(recorder.history().operations())
        .containsExactly(new Operation(id, 3, OpType.READ, "x", "a", 10, 20, Outcome.OK, 42));
  }

  @Test
  void aWriteKeepsTheValueItWrote() {
    long write = recorder.invoke(1, OpType.WRITE, "x", "a");
    long delete = recorder.invoke(2, OpType.DELETE, "x", null);
    recorder.ok(write, null, 7);
    recorder.ok(delete, null, 8);

    assertThat(recorder.history().operations()).containsExactly(
        new Operation(write, 1, OpType.WRITE, "x", "a", 10, 30, Outcome.OK, 7),
        new Operation(delete, 2, OpType.DELETE, "x", null, 20, 40, Outcome.OK, 8));
  }

  @Test
  void recordsFailedAndUnknownOutcomes() {
    long failed = recorder.invoke(1, OpType.WRITE, "x", "a");
    long unknown = recorder.invoke(2, OpType.WRITE, "x", "b");
    recorder.fail(failed);
    recorder.unknown(unknown);

    assertThat(recorder.history().operations())
        .extracting(Operation::outcome, Operation::value, Operation::completeNanos)
        .containsExactly(
            tuple(Outcome.FAIL, "a", 30L),
            tuple(Outcome.UNKNOWN, "b", 40L));
  }

  @Test
  void anOperationInFlightIsUnknownAndNeverCompleted() {
    long id = recorder.invoke(1, OpType.WRITE, "x", "a");

    Operation op = recorder.history().operations().get(0);

    assertThat(op.id()).isEqualTo(id);
    assertThat(op.outcome()).isEqualTo(Outcome.UNKNOWN);
    assertThat(op.completeNanos()).isEqualTo(Operation.NOT_COMPLETED);
  }

  @Test
  void aSnapshotDoesNotChangeWhenRecordingGoesOn() {
    long id = recorder.invoke(1, OpType.READ, "x", null);
    History before = recorder.history();

    recorder.ok(id, "a", 1);
    recorder.invoke(1, OpType.READ, "x", null);

    assertThat(before.operations()).singleElement()
        .extracting(Operation::outcome).isEqualTo(Outcome.UNKNOWN);
    assertThatThrownBy(() -> before.operations().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void anOperationCompletesOnlyOnce() {
    long id = recorder.invoke(1, OpType.READ, "x", null);
    recorder.ok(id, "a", 1);

    assertThatThrownBy(() -> recorder.unknown(id)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already completed");
    assertThatThrownBy(() -> recorder.fail(id + 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no operation");
  }

  @Test
  void aReadCannotWriteAValue() {
    assertThatThrownBy(() -> recorder.invoke(1, OpType.READ, "x", "a")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentClientsAreAllRecordedWithConsistentIntervals() throws Exception {
    HistoryRecorder shared = new HistoryRecorder();
    int clients = 4;
    int opsEach = 500;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int client = 0; client < clients; client++) {
        int process = client;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < opsEach; i++) {
            long id = shared.invoke(process, OpType.WRITE, "k" + i % 3, process + "-" + i);
            shared.ok(id, null, 0);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    History history = shared.history();

    assertThat(history.size()).isEqualTo(clients * opsEach);
    assertThat(history.operations()).extracting(Operation::id).doesNotHaveDuplicates();
    assertThat(history.operations()).allMatch(op -> op.outcome() == Outcome.OK);
    Map<Integer, List<Operation>> byProcess = history.operations().stream()
        .collect(Collectors.groupingBy(Operation::process));
    for (List<Operation> ops : byProcess.values()) {
      List<Operation> inOrder = ops.stream().sorted(Comparator.comparingLong(Operation::id)).toList();
      for (int i = 1; i < inOrder.size(); i++) {
        assertThat(inOrder.get(i).invokeNanos()).isGreaterThanOrEqualTo(inOrder.get(i - 1).completeNanos());
      }
    }
  }
}
