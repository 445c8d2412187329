package dev.kvstore.comparison;

import java.time.Duration;
import java.util.List;

/**
 * The CPU time (user plus system) a set of processes has used, as the operating system counts it
 * ({@link ProcessHandle.Info#totalCpuDuration()}: /proc on Linux, in clock ticks of 10 ms). Taken
 * before and after a run, the difference is what the run cost the machine, whatever else the
 * machine was doing: on a shared machine, throughput moves with the neighbours' load, the CPU
 * time per request much less.
 */
final class ProcessCpu {

  private final List<ProcessHandle> processes;

  /** @param processes the processes to add up (a cluster's servers, or the load generator alone) */
  ProcessCpu(List<ProcessHandle> processes) {
    if (processes.isEmpty()) {
      throw new IllegalArgumentException("no process to measure");
    }
    this.processes = List.copyOf(processes);
  }

  /** The load generator: this JVM. */
  static ProcessCpu self() {
    return new ProcessCpu(List.of(ProcessHandle.current()));
  }

  /**
   * The CPU time the processes have used since they started, added up.
   *
   * @throws IllegalStateException when one has ended or the system does not tell its CPU time
   */
  Duration used() {
    Duration total = Duration.ZERO;
    for (ProcessHandle process : processes) {
      Duration used = process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(
          "the CPU time of process " + process.pid() + " is unknown (" + (process.isAlive() ? "alive" : "ended") + ")"));
      total = total.plus(used);
    }
    return total;
  }
}
