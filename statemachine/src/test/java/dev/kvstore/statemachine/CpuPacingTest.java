package dev.kvstore.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuPacingTest {

  /** A thread whose CPU and wall time the test advances; sleeping advances the wall time only. */
  private static final class FakeThread implements CpuPacing.Clock {
    long cpu;
    long wall;
    final List<Long> sleeps = new ArrayList<>();

    void work(long nanos) {
      cpu += nanos;
      wall += nanos;
    }

    void waitForDisk(long nanos) {
      wall += nanos;
    }

    @Override
    public long threadCpuNanos() {
      return cpu;
    }

    @Override
    public long wallNanos() {
      return wall;
    }

    @Override
    public void sleepNanos(long nanos) {
      sleeps.add(nanos);
      wall += nanos;
    }
  }

  @Test
  void aThreadAheadOfItsShareSleepsUntilItIsNot() throws Exception {
    FakeThread thread = new FakeThread();
    CpuPacing pacing = new CpuPacing(0.25, thread);

    pacing.tick();
    thread.work(10_000_000);
    pacing.tick();

    // 10 ms of CPU is a quarter of 40 ms: 30 ms more
    assertThat(thread.sleeps).containsExactly(30_000_000L);
    thread.work(10_000_000);
    pacing.tick();
    assertThat(thread.sleeps).containsExactly(30_000_000L, 30_000_000L);
    assertThat((double) thread.cpu / thread.wall).isEqualTo(0.25);
  }

  @Test
  void timeWaitingForTheDiskCountsTowardsTheWall() throws Exception {
    FakeThread thread = new FakeThread();
    CpuPacing pacing = new CpuPacing(0.25, thread);

    pacing.tick();
    thread.work(10_000_000);
    thread.waitForDisk(50_000_000);
    pacing.tick();

    assertThat(thread.sleeps).isEmpty();
  }

  @Test
  void noneNeverWaitsAndSharesOutsideOneCoreAreRefused() throws Exception {
    CpuPacing.NONE.tick();
    CpuPacing.NONE.tick();

    assertThatThrownBy(() -> new CpuPacing(0, new FakeThread())).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> new CpuPacing(1.5, new FakeThread())).hasMessageContaining("(0, 1]");
  }
}
