package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupHeader;
import java.nio.file.Path;
import java.time.Instant;

/** How {@code snapshot save} and {@code snapshot status} print a backup: one fact a line, or one JSON document. */
final class BackupView {

  private BackupView() {}

  static void print(CommandContext context, Path file, BackupFile.Summary backup) {
    BackupHeader header = backup.header();
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("file", file.toString());
      json.addProperty("revision", backup.revision());
      json.addProperty("key_count", backup.keyCount());
      json.addProperty("size_bytes", backup.sizeBytes());
      json.addProperty("sha256", backup.sha256Hex());
      json.addProperty("compacted_revision", header.getCompactedRevision());
      json.addProperty("cluster_name", header.getClusterName());
      json.addProperty("cluster_id", header.getClusterId());
      json.addProperty("member_id", header.getMemberId());
      json.addProperty("created", Instant.ofEpochMilli(header.getCreatedUnixMillis()).toString());
      json.addProperty("format_version", header.getFormatVersion());
      json.addProperty("snapshot_format", header.getSnapshotFormat());
      context.printer().json(json);
      return;
    }
    Printer out = context.printer();
    out.line("file: " + file);
    out.line("revision: " + backup.revision());
    out.line("keys: " + backup.keyCount());
    out.line("size: " + backup.sizeBytes() + " bytes");
    out.line("sha256: " + backup.sha256Hex());
    out.line("history from revision: " + (header.getCompactedRevision() + 1));
    out.line("taken from: member " + header.getMemberId() + " of cluster '" + header.getClusterName() + "' ("
        + header.getClusterId() + ") at " + Instant.ofEpochMilli(header.getCreatedUnixMillis()));
  }
}
