package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.BackupFile;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvstore snapshot save|status|restore} against fake nodes. */
class SnapshotBackupCommandTest {

  private final FakeStore store = new FakeStore();
  private FakeKvServer server;

  @TempDir
  Path dir;

  @BeforeEach
  void startServer() {
    server = FakeKvServer.start("n1", store);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private static byte[] bytes(int size) {
    byte[] content = new byte[size];
    new Random(3).nextBytes(content);
    return content;
  }

  @Test
  void saveWritesAVerifiedBackupOfManyMessagesAndPrintsRevisionKeysSizeAndChecksum() throws Exception {
    // Over two 1 MiB messages.
    server.backupContent(bytes(2_500_000), 42);
    Path file = dir.resolve("backup.db");

    CliRun run = CliRun.against(server.endpoint(), "snapshot", "save", file.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    BackupFile.Summary saved = BackupFile.verify(file);
    assertThat(saved.contentBytes()).isEqualTo(2_500_000);
    assertThat(run.out()).contains("snapshot saved at " + file)
        .contains("revision: " + saved.revision())
        .contains("keys: 42")
        .contains("size: " + Files.size(file) + " bytes")
        .contains("sha256: " + saved.sha256Hex());
    assertThat(dir.resolve("backup.db.part")).doesNotExist();
  }

  @Test
  void saveJsonIsOneDocument() {
    Path file = dir.resolve("backup.db");

    CliRun run = CliRun.against(server.endpoint(), "-o", "json", "snapshot", "save", file.toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("key_count").getAsLong()).isEqualTo(3);
    assertThat(json.get("sha256").getAsString()).hasSize(64);
    assertThat(json.get("member_id").getAsString()).isEqualTo("n1");
  }

  @Test
  void aBackupThatArrivesChangedIsNotKeptAndTheFileIsLeftAsItWas() throws Exception {
    server.tamperBackups();
    Path file = dir.resolve("backup.db");
    Files.writeString(file, "the previous backup");

    CliRun run = CliRun.against(server.endpoint(), "snapshot", "save", file.toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(run.stderr()).contains("DATA_LOSS").contains("does not verify").contains("tampered with");
    assertThat(Files.readString(file)).isEqualTo("the previous backup");
    assertThat(dir.resolve("backup.db.part")).doesNotExist();
  }

  @Test
  void aBrokenStreamMovesToTheNextNodeWhichStartsOver() throws Exception {
    server.backupContent(bytes(2_500_000), 7).breakBackupsAfter(1);
    FakeKvServer other = FakeKvServer.start("n2", store).backupContent(bytes(2_500_000), 7);
    try {
      Path file = dir.resolve("backup.db");

      CliRun run = CliRun.of("--endpoints", server.endpoint() + "," + other.endpoint(), "snapshot", "save",
          file.toString());

      assertThat(run.exitCode()).as(run.stderr()).isZero();
      assertThat(BackupFile.verify(file).header().getMemberId()).isEqualTo("n2");
      assertThat(server.requests("Backup")).hasSize(1);
    } finally {
      other.close();
    }
  }

  @Test
  void aRefusalEndsTheSaveWithTheNodesReasonAndNoFile() {
    server.failNext("Backup", Status.PERMISSION_DENIED.withDescription("user 'alice' may not save a backup"));
    Path file = dir.resolve("backup.db");

    CliRun run = CliRun.against(server.endpoint(), "snapshot", "save", file.toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(run.stderr()).contains("PERMISSION_DENIED").contains("may not save a backup");
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("backup.db.part")).doesNotExist();
  }

  @Test
  void anUnreachableNodeExitsWithFour() {
    CliRun run = CliRun.against(FakeKvServer.deadEndpoint(), "--timeout", "1s", "snapshot", "save",
        dir.resolve("backup.db").toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.stderr()).contains("Backup failed");
  }

  @Test
  void statusChecksTheFileOfflineAndPrintsWhatItHolds() throws Exception {
    Path file = dir.resolve("backup.db");
    assertThat(CliRun.against(server.endpoint(), "snapshot", "save", file.toString()).exitCode()).isZero();
    server.close();

    CliRun run = CliRun.against(FakeKvServer.deadEndpoint(), "snapshot", "status", file.toString());
    CliRun json = CliRun.of("-o", "json", "snapshot", "status", file.toString());

    BackupFile.Summary backup = BackupFile.verify(file);
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.out()).contains("revision: " + backup.revision()).contains("keys: 3")
        .contains("sha256: " + backup.sha256Hex()).contains("size: " + backup.sizeBytes() + " bytes")
        .contains("member n1 of cluster 'kvstore'");
    JsonObject document = JsonParser.parseString(json.out()).getAsJsonObject();
    assertThat(document.get("revision").getAsLong()).isEqualTo(backup.revision());
    assertThat(document.get("size_bytes").getAsLong()).isEqualTo(backup.sizeBytes());
  }

  @Test
  void statusRefusesATruncatedOrTamperedFileSayingWhatIsWrong() throws Exception {
    Path file = dir.resolve("backup.db");
    assertThat(CliRun.against(server.endpoint(), "snapshot", "save", file.toString()).exitCode()).isZero();
    byte[] all = Files.readAllBytes(file);
    Path truncated = Files.write(dir.resolve("truncated.db"), Arrays.copyOf(all, all.length - 10));
    byte[] changed = all.clone();
    changed[all.length / 2] ^= 0x01;
    Path tampered = Files.write(dir.resolve("tampered.db"), changed);

    CliRun cut = CliRun.of("snapshot", "status", truncated.toString());
    CliRun edited = CliRun.of("snapshot", "status", tampered.toString());
    CliRun missing = CliRun.of("snapshot", "status", dir.resolve("none.db").toString());

    assertThat(cut.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(cut.stderr()).startsWith("error: backup file " + truncated + " is truncated");
    assertThat(cut.out()).isEmpty();
    assertThat(edited.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(edited.stderr()).contains("is corrupt or was tampered with");
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(missing.stderr()).contains("does not exist");
  }

  @Test
  void restoreThroughTheClientJarSaysWhereItRuns() {
    CliRun run = CliRun.of("snapshot", "restore", "backup.db", "--data-dir", "d", "--name", "n1",
        "--initial-cluster", "n1=127.0.0.1:9000");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.stderr()).contains("runs from the node's jar").contains("dev.kvstore.node.SnapshotRestoreCommand");
  }

  @Test
  void snapshotWithoutASubcommandStillTakesARaftSnapshot() {
    CliRun run = CliRun.against(server.endpoint(), "snapshot");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.out()).startsWith("snapshot index");
  }
}
