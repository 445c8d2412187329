package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OnDemandSnapshotTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Ratis answering from a script of indexes, counting the calls. */
  private static final class ScriptedRatis implements OnDemandSnapshot.RatisSnapshotCall {
    private final Deque<Long> answers = new ArrayDeque<>();
    private final AtomicInteger calls = new AtomicInteger();

    ScriptedRatis(long... answers) {
      for (long a : answers) {
        this.answers.add(a);
      }
    }

    @Override
    public long create(Duration timeout) {
      calls.incrementAndGet();
      return answers.size() > 1 ? answers.poll() : answers.peek();
    }
  }

  /** No snapshot being written. */
  private static CompletableFuture<Void> noWrite() {
    return CompletableFuture.completedFuture(null);
  }

  @Test
  void ratisAnsweringAnIndexThatCoversTheRequestIsTheAnswer() throws Exception {
    ScriptedRatis ratis = new ScriptedRatis(12);
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, OnDemandSnapshotTest::noWrite, () -> -1, ratis);

    assertThat(snapshots.take(TIMEOUT)).isEqualTo(12);
    assertThat(ratis.calls).hasValue(1);
  }

  @Test
  void whileTheSnapshotIsWrittenItWaitsForTheWriteAndAsksRatisAgain() throws Exception {
    ScriptedRatis ratis = new ScriptedRatis(-1, 10);
    CompletableFuture<Void> write = new CompletableFuture<>();
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, () -> write, () -> -1, ratis);

    CompletableFuture<Long> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return snapshots.take(TIMEOUT);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    write.complete(null);

    assertThat(taken.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(10);
    assertThat(ratis.calls).hasValue(2);
  }

  @Test
  void anOlderSnapshotReportedMeansAnotherRound() throws Exception {
    // -1: an automatic write was in progress; 4: that one, reported (and the one asked for started); 10: it
    ScriptedRatis ratis = new ScriptedRatis(-1, 4, 10);
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, OnDemandSnapshotTest::noWrite, () -> -1, ratis);

    assertThat(snapshots.take(TIMEOUT)).isEqualTo(10);
    assertThat(ratis.calls).hasValue(3);
  }

  @Test
  void aSnapshotAnAutomaticCallReportedFirstIsTheAnswer() throws Exception {
    // the write finished, Ratis's call after the next batch of applies reported it, and this
    // request's call found nothing new
    ScriptedRatis ratis = new ScriptedRatis(-1);
    AtomicInteger onDisk = new AtomicInteger(4);
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, () -> {
      onDisk.set(11);
      return noWrite();
    }, onDisk::get, ratis);

    assertThat(snapshots.take(TIMEOUT)).isEqualTo(11);
    assertThat(ratis.calls).hasValue(2);
  }

  @Test
  void aFailedWriteFailsTheSnapshotWithItsReason() {
    ScriptedRatis ratis = new ScriptedRatis(-1);
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10,
        () -> CompletableFuture.failedFuture(new IOException("disk full")), () -> -1, ratis);

    assertThatThrownBy(() -> snapshots.take(TIMEOUT)).isInstanceOf(IOException.class).hasMessageContaining("disk full");
    assertThat(ratis.calls).hasValue(1);
  }

  @Test
  void ratisNeverAnsweringTheIndexAskedForEndsAfterBoundedRounds() {
    ScriptedRatis ratis = new ScriptedRatis(3);
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, OnDemandSnapshotTest::noWrite, () -> -1, ratis);

    assertThatThrownBy(() -> snapshots.take(TIMEOUT)).isInstanceOf(IOException.class)
        .hasMessageContaining("no snapshot covering index 10").hasMessageContaining("answered 3");
    assertThat(ratis.calls).hasValue(OnDemandSnapshot.MAX_ROUNDS);
  }

  @Test
  void aWriteThatDoesNotEndInTimeIsATimeout() {
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, CompletableFuture::new, () -> -1, new ScriptedRatis(-1));

    assertThatThrownBy(() -> snapshots.take(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
  }

  @Test
  void ratisRefusingFailsTheSnapshot() {
    OnDemandSnapshot snapshots = new OnDemandSnapshot(() -> 10, OnDemandSnapshotTest::noWrite, () -> -1,
        timeout -> {
          throw new IOException("installation in progress");
        });

    assertThatThrownBy(() -> snapshots.take(TIMEOUT)).isInstanceOf(IOException.class)
        .hasMessageContaining("installation in progress");
  }
}
