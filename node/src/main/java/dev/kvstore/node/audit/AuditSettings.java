package dev.kvstore.node.audit;

import java.nio.file.Path;

/**
 * Where a node writes its audit log ({@link AuditTrail}) and how much of it it keeps.
 *
 * @param file         the current log file; null: no audit log
 * @param maxFileBytes size at which the file is rotated (renamed {@code FILE.1}, the older ones shifted)
 * @param maxFiles     rotated files kept besides the current one; the oldest is deleted
 */
public record AuditSettings(Path file, long maxFileBytes, int maxFiles) {

  public static final long DEFAULT_MAX_FILE_BYTES = 100L << 20;
  public static final int DEFAULT_MAX_FILES = 5;
  /** Logback's fixed-window rotation keeps at most this many files. */
  public static final int MAX_FILES_LIMIT = 20;
  /** No audit log. */
  public static final AuditSettings OFF = new AuditSettings(null, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES);

  /** An audit log to {@code file} with the default rotation (100 MiB, 5 files kept). */
  public static AuditSettings to(Path file) {
    return new AuditSettings(file, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES);
  }

  /** True when the node writes an audit log. */
  public boolean on() {
    return file != null;
  }

  /**
   * @throws IllegalArgumentException naming the flag and what is allowed
   */
  public AuditSettings validate() {
    if (maxFileBytes < 1024) {
      throw new IllegalArgumentException("--audit-log-max-size is " + maxFileBytes
          + " bytes; use at least 1KB (e.g. 100MB)");
    }
    if (maxFiles < 1 || maxFiles > MAX_FILES_LIMIT) {
      throw new IllegalArgumentException("--audit-log-max-files is " + maxFiles + "; use 1 to " + MAX_FILES_LIMIT);
    }
    if (on() && (file.getFileName() == null || java.nio.file.Files.isDirectory(file))) {
      throw new IllegalArgumentException("--audit-log-file " + file + " is a directory; give a file path");
    }
    return this;
  }
}
