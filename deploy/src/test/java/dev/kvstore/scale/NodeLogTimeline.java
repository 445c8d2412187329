package dev.kvstore.scale;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The milestones of a node's start in its log (the node's logback pattern: an ISO-8601 time with
 * offset first, then level, thread, logger and message), with their times after the process
 * started: where a restart spends its time, as the node itself tells it.
 */
final class NodeLogTimeline {

  /** Parts of the messages that mark a step of a start; the first line logged is always kept too. */
  private static final List<String> MILESTONES = List.of(
      "loading snapshot", "loaded snapshot", "no snapshot yet", "Raft server started", "serving clients", "leader is now",
      "health ", "took snapshot", "installSnapshot", "changes role", "start failed");
  private static final int MAX_LINES = 20;

  private NodeLogTimeline() {}

  /** Bytes in the log now: where the lines of the next start will begin. */
  static long end(Path log) throws IOException {
    return log.toFile().length();
  }

  /**
   * The milestone lines written to {@code log} after byte {@code from}, each as
   * {@code +1.234 s  message} relative to {@code started}; at most {@value #MAX_LINES}.
   */
  static List<String> since(Path log, long from, Instant started) throws IOException {
    List<String> lines = new ArrayList<>();
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      file.seek(Math.min(from, file.length()));
      byte[] rest = new byte[(int) (file.length() - file.getFilePointer())];
      file.readFully(rest);
      boolean first = true;
      for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
        int space = line.indexOf(' ');
        Instant at = space > 0 ? timeOf(line.substring(0, space)) : null;
        if (at == null || !(first || MILESTONES.stream().anyMatch(line::contains))) {
          continue;
        }
        first = false;
        lines.add(String.format(Locale.ROOT, "+%6.3f s  %s", (at.toEpochMilli() - started.toEpochMilli()) / 1000.0,
            message(line)));
        if (lines.size() == MAX_LINES) {
          break;
        }
      }
    }
    return lines;
  }

  private static Instant timeOf(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The message after {@code logger - }, or the whole line after its time when there is none. */
  private static String message(String line) {
    int dash = line.indexOf(" - ");
    String text = dash > 0 ? line.substring(dash + 3) : line.substring(line.indexOf(' ') + 1);
    return text.length() > 160 ? text.substring(0, 157) + "..." : text;
  }
}
