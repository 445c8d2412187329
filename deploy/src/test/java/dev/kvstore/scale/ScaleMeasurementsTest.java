package dev.kvstore.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scale benchmark reads from Linux, from a node's metrics and from its log. */
class ScaleMeasurementsTest {

  @TempDir
  Path dir;

  @Test
  void residentMemoryComesFromTheStatusFileInKilobytes() {
    LinuxProcess.Memory memory = LinuxProcess.Memory.parse(List.of(
        "Name:\tjava", "VmPeak:\t 9000000 kB", "VmHWM:\t  1200000 kB", "VmRSS:\t  1000000 kB", "Threads:\t80"));

    assertThat(memory.rssBytes()).isEqualTo(1_000_000L * 1024);
    assertThat(memory.peakRssBytes()).isEqualTo(1_200_000L * 1024);
    assertThatThrownBy(() -> LinuxProcess.Memory.parse(List.of("Name:\tjava"))).hasMessageContaining("VmRSS");
  }

  @Test
  void theStartTimeIsField22AfterACommandNameWithSpacesAndParentheses() {
    String stat = "4242 (java (kv) node) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 80 0 123456 9000000 250000";

    assertThat(LinuxProcess.startTicks(stat)).isEqualTo(123456);
  }

  @Test
  void theOwnProcessStartedBeforeNow() throws Exception {
    LinuxProcess self = new LinuxProcess(ProcessHandle.current().pid());

    assertThat(self.startedAt()).isBefore(Instant.now());
    assertThat(self.memory().rssBytes()).isPositive();
  }

  @Test
  void jvmMemoryAddsUpThePoolsOfEachArea() {
    String scrape = String.join("\n",
        "# HELP jvm_memory_used_bytes The amount of used memory",
        "# TYPE jvm_memory_used_bytes gauge",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1.0E8",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 4.0E8",
        "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 4.0E7",
        "jvm_memory_committed_bytes{area=\"heap\",id=\"G1 Old Gen\"} 7.0E8",
        "jvm_memory_committed_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1.0E8",
        "jvm_buffer_memory_used_bytes{id=\"direct\"} 2.5E7",
        "jvm_buffer_memory_used_bytes{id=\"mapped\"} 1000.0",
        "kvstore_raft_term 3.0",
        "");

    assertThat(JvmMemory.parse(scrape)).contains(new JvmMemory(500_000_000L, 800_000_000L, 40_000_000L, 25_000_000L));
    assertThat(JvmMemory.parse("kvstore_raft_term 3.0\n")).as("metrics without JVM memory").isEmpty();
  }

  @Test
  void theTimelineKeepsTheFirstLineAndTheMilestonesAfterTheOffset() throws Exception {
    Path log = dir.resolve("node.log");
    Files.writeString(log, "2026-11-30T10:00:00.000Z INFO  [main] dev.kvstore.node.KvNode - n1: stopped\n",
        StandardCharsets.UTF_8);
    long offset = NodeLogTimeline.end(log);
    Files.writeString(log, String.join("\n",
        "2026-11-30T10:01:00.500Z INFO  [main] d.k.n.o.m.MetricsEndpoint - n1: serving metrics on http://x/metrics",
        "2026-11-30T10:01:01.000Z INFO  [main] d.k.s.SnapshotWriter - unrelated detail",
        "2026-11-30T10:01:03.250Z INFO  [main] d.k.s.KvStateMachine - n1: loaded snapshot snapshot.1_5 (term 1)",
        "  at some.stack.Trace(line)",
        "2026-11-30T10:01:04.000Z INFO  [main] dev.kvstore.node.KvNode - n1: serving clients on 127.0.0.1:1",
        ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    List<String> timeline = NodeLogTimeline.since(log, offset, Instant.parse("2026-11-30T10:01:00Z"));

    assertThat(timeline).containsExactly(
        "+ 0.500 s  n1: serving metrics on http://x/metrics",
        "+ 3.250 s  n1: loaded snapshot snapshot.1_5 (term 1)",
        "+ 4.000 s  n1: serving clients on 127.0.0.1:1");
  }
}
