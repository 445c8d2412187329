package dev.kvstore.api;

import java.io.IOException;

/**
 * A file that is not a complete, intact kvstore backup this build can read: not a backup at all,
 * of an unknown format version, truncated, or changed since it was written. The message names the
 * file and what is wrong with it.
 */
public final class BackupFileException extends IOException {

  private static final long serialVersionUID = 1L;

  public BackupFileException(String message) {
    super(message);
  }

  public BackupFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
