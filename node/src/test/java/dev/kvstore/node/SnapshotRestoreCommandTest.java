package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.BackupFile;
import dev.kvstore.client.KvClient;
import dev.kvstore.node.raft.BackupRestore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvstore snapshot restore} as a command: what it prints, its exit codes, and that it never half-restores. */
class SnapshotRestoreCommandTest {

  private static final String CLUSTER = "n1=127.0.0.1:9001,n2=127.0.0.1:9002,n3=127.0.0.1:9003";

  @TempDir
  static Path shared;

  private static Path backup;

  @TempDir
  Path dir;

  @BeforeAll
  static void takeABackup() throws IOException {
    backup = shared.resolve("backup.db");
    try (TestCluster source = TestCluster.start(1, shared.resolve("source"));
        KvClient client = KvClient.builder().endpoints(source.endpoint("n1")).requestTimeout(Duration.ofSeconds(15))
            .build()) {
      source.awaitLeader();
      client.put("k1", "v1");
      client.put("k2", "v2");
      client.saveBackup(backup);
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run restore(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SnapshotRestoreCommand.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aRestorePrintsWhatItBuiltAndHowToStartTheNode() throws IOException {
    Path data = dir.resolve("n2");

    Run run = restore(backup.toString(), "--data-dir", data.toString(), "--name", "n2", "--initial-cluster", CLUSTER,
        "--cluster-id", "recovered");

    assertThat(run.exitCode()).as(run.err()).isZero();
    BackupFile.Summary summary = BackupFile.verify(backup);
    assertThat(run.out()).contains("restored revision " + summary.revision() + " (2 keys, 0 leases)")
        .contains("member n2 of the new cluster 'recovered' (Raft group " + BackupRestore.groupUuid("recovered"))
        .contains("SHA-256 " + summary.sha256Hex())
        .contains("start it with: kvstore-node --node-id n2 --peers " + CLUSTER + " --data-dir "
            + data.toAbsolutePath() + " --cluster-id recovered");
    assertThat(data.resolve("raft").resolve(BackupRestore.groupUuid("recovered").toString()).resolve("sm")
        .resolve("snapshot.1_0")).isRegularFile();
  }

  @Test
  void jsonIsOneDocument() {
    Run run = restore("-o", "json", backup.toString(), "--data-dir", dir.resolve("n1").toString(), "--name", "n1",
        "--initial-cluster", CLUSTER);

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("cluster_id").getAsString()).startsWith("restored-");
    assertThat(json.get("key_count").getAsLong()).isEqualTo(2);
  }

  @Test
  void aNonEmptyDirectoryIsAUsageErrorAndIsLeftAlone() throws IOException {
    Path data = Files.createDirectories(dir.resolve("busy"));
    Files.writeString(data.resolve("file"), "x");

    Run run = restore(backup.toString(), "--data-dir", data.toString(), "--name", "n1", "--initial-cluster", CLUSTER);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("data directory " + data + " is not empty");
    try (var entries = Files.list(data)) {
      assertThat(entries).hasSize(1);
    }
  }

  @Test
  void aTruncatedBackupExitsWithOneSayingSoAndRestoresNothing() throws IOException {
    byte[] all = Files.readAllBytes(backup);
    Path cut = Files.write(dir.resolve("cut.db"), Arrays.copyOf(all, all.length / 2));
    Path data = dir.resolve("n1");

    Run run = restore(cut.toString(), "--data-dir", data.toString(), "--name", "n1", "--initial-cluster", CLUSTER);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("is truncated").contains("nothing was restored");
    assertThat(data).doesNotExist();
  }

  @Test
  void badArgumentsAreUsageErrorsNamingTheOption() {
    Run badCluster = restore(backup.toString(), "--data-dir", dir.resolve("a").toString(), "--name", "n1",
        "--initial-cluster", "n1=nowhere");
    Run noName = restore(backup.toString(), "--data-dir", dir.resolve("b").toString(), "--initial-cluster", CLUSTER);
    Run notAMember = restore(backup.toString(), "--data-dir", dir.resolve("c").toString(), "--name", "n9",
        "--initial-cluster", CLUSTER);

    assertThat(badCluster.exitCode()).isEqualTo(2);
    assertThat(badCluster.err()).contains("is not ID=HOST:PORT");
    assertThat(noName.exitCode()).isEqualTo(2);
    assertThat(noName.err()).contains("--name");
    assertThat(notAMember.exitCode()).isEqualTo(2);
    assertThat(notAMember.err()).contains("member 'n9' is not in the initial cluster");
    assertThat(dir.resolve("a")).doesNotExist();
  }
}
