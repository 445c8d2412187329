package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KeyValue;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.RangeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's backup drill as real processes: {@code snapshot save} from a local cluster while a
 * writer keeps writing, {@code snapshot status}, {@code snapshot restore} of three members into a
 * second local cluster's folder, and that cluster started by the script: a new cluster id, every
 * write acknowledged before the save started, and new writes accepted. A changed byte in the backup
 * is refused by {@code status}.
 */
class BackupRestoreScriptIT {

  @TempDir
  Path dir;

  private ScriptedCluster source;
  private ScriptedCluster restored;

  @AfterEach
  void clean() {
    for (ScriptedCluster c : new ScriptedCluster[] {source, restored}) {
      if (c != null) {
        c.script("clean");
      }
    }
  }

  @Test
  void aBackupOfALiveClusterRestoresIntoANewClusterWithEveryEarlierWrite() throws Exception {
    source = ScriptedCluster.in(dir.resolve("source"), 3, Map.of());
    assertOk(source.script("up"));
    Path backup = dir.resolve("backup.db");
    List<String> before;
    String sourceCluster;
    try (KvClient client = KvClient.builder().endpoints(source.endpoints(1, 2, 3))
        .requestTimeout(Duration.ofSeconds(10)).build();
        ClusterWriter writer = new ClusterWriter(client, "bk/", 50_000, Duration.ofMinutes(2))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() >= 50);
      sourceCluster = client.status().getClusterId();
      before = writer.acknowledged();
      assertOk(source.cli("--timeout", "60s", "snapshot", "save", backup.toString()));
      writer.stop();
    }

    ProcessRun.Result status = source.cli("snapshot", "status", backup.toString());
    assertOk(status);
    assertThat(status.stdout()).contains("revision");

    restored = ScriptedCluster.in(dir.resolve("restored"), 3, Map.of());
    for (int n = 1; n <= 3; n++) {
      assertOk(restored.cli("snapshot", "restore", backup.toString(), "--data-dir",
          dir.resolve("restored").resolve("n" + n).resolve("data").toString(), "--name", "n" + n,
          "--initial-cluster", restored.initialCluster()));
    }
    assertOk(restored.script("up"));
    try (KvClient client = KvClient.builder().endpoints(restored.endpoints(1, 2, 3))
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      assertThat(client.status().getClusterId()).isNotEqualTo(sourceCluster);
      Set<String> held = client.rangeStream(RangeOptions.prefix("bk/").withKeysOnly(true))
          .map(KeyValue::getKey).collect(Collectors.toSet());
      assertThat(held).as("writes acknowledged before the save").containsAll(before);
      client.put("after-restore", "new cluster");
      assertThat(client.get("after-restore").getValue().toStringUtf8()).isEqualTo("new cluster");
    }

    byte[] bytes = Files.readAllBytes(backup);
    bytes[bytes.length / 2] ^= 1;
    Path tampered = dir.resolve("tampered.db");
    Files.write(tampered, bytes);
    ProcessRun.Result refused = source.cli("snapshot", "status", tampered.toString());
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
  }

  private static void assertOk(ProcessRun.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
  }
}
