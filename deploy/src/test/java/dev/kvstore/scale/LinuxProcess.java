package dev.kvstore.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A process of this machine as Linux's {@code /proc} shows it: its resident memory and when it
 * started. Linux only; every read throws {@link IOException} once the process is gone.
 */
final class LinuxProcess {

  /**
   * Clock ticks per second of the start time in {@code /proc/PID/stat}: Linux's USER_HZ, which is
   * 100 on every architecture a JVM runs on (what {@code getconf CLK_TCK} prints).
   */
  private static final long TICKS_PER_SECOND = 100;

  /**
   * Resident memory, from {@code /proc/PID/status}.
   *
   * @param rssBytes resident set size now ({@code VmRSS}): the process's pages in RAM, heap,
   *     native memory, code and mapped files alike
   * @param peakRssBytes the largest resident set size since the process started ({@code VmHWM})
   */
  record Memory(long rssBytes, long peakRssBytes) {

    /**
     * Reads the {@code VmRSS} and {@code VmHWM} lines ({@code VmRSS:  123456 kB}) of a status file.
     *
     * @throws IllegalArgumentException when either line is missing
     */
    static Memory parse(List<String> statusLines) {
      return new Memory(kilobytes(statusLines, "VmRSS:") * 1024, kilobytes(statusLines, "VmHWM:") * 1024);
    }

    private static long kilobytes(List<String> lines, String field) {
      for (String line : lines) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]);
        }
      }
      throw new IllegalArgumentException("no " + field + " line in the process status");
    }
  }

  private final long pid;

  LinuxProcess(long pid) {
    this.pid = pid;
  }

  long pid() {
    return pid;
  }

  Memory memory() throws IOException {
    return Memory.parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
  }

  /** When the process started, to the clock tick (10 ms). */
  Instant startedAt() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    double uptimeSeconds = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
    Instant now = Instant.now();
    return now.minusMillis(Math.round((uptimeSeconds - startTicks(stat) / (double) TICKS_PER_SECOND) * 1000));
  }

  /**
   * Field 22 of a {@code /proc/PID/stat} line, the start time in clock ticks after boot. Fields are
   * counted after the command name, which is in parentheses and may itself hold spaces.
   */
  static long startTicks(String stat) {
    String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    // afterName[0] is field 3 (state).
    return Long.parseLong(afterName[22 - 3]);
  }

  /** The machine's load averages over 1, 5 and 15 minutes, as {@code uptime} prints them. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
