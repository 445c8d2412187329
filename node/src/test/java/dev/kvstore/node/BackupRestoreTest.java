package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupFileException;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.RequestOp;
import dev.kvstore.client.GetAllOptions;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.Op;
import dev.kvstore.client.RangeOptions;
import dev.kvstore.client.Txn;
import dev.kvstore.node.raft.BackupRestore;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.RestoredMember;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Backups of a live cluster ({@code Maintenance.Backup}, {@link KvClient#saveBackup}) restored into
 * new in-process clusters ({@link BackupRestore}), as etcd's snapshot save and restore.
 */
class BackupRestoreTest {

  /** Puts per load writer at most: the load is bounded in count as well as in time. */
  private static final int MAX_PUTS_PER_WRITER = 5_000;
  private static final int WRITERS = 2;

  @TempDir
  Path dir;

  private static KvClient client(TestCluster cluster) {
    return KvClient.builder().endpoints(String.join(",", cluster.endpoints()))
        .requestTimeout(Duration.ofSeconds(15)).build();
  }

  private static Map<String, String> listed(KvClient client, String prefix) {
    return client.getAllStream(GetAllOptions.forPrefix(prefix))
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().toStringUtf8()));
  }

  @Test
  void aBackupOfALiveClusterUnderLoadRestoresIntoANewClusterWithEveryWriteAcknowledgedBeforeIt() throws Exception {
    Path backup = dir.resolve("backup.db");
    Map<String, String> beforeBackup;
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    BackupFile.Summary saved;
    String sourceClusterId;
    long lease;
    try (TestCluster source = TestCluster.start(3, dir.resolve("source")); KvClient client = client(source)) {
      String leader = source.awaitLeader();
      client.put("config/a", "1");
      client.put("config/a", "2");
      client.put("gone", "soon");
      client.delete("gone");
      lease = client.lease().grant(Duration.ofSeconds(60)).getId();
      client.put("leased/key", ByteString.copyFromUtf8("held"), false, lease);

      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
      List<Future<Integer>> loads = new ArrayList<>();
      try {
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          loads.add(writers.submit(() -> {
            int i = 0;
            for (; i < MAX_PUTS_PER_WRITER && !stop.get(); i++) {
              String key = "load/" + writer + "/" + i;
              client.put(key, "v" + i);
              acknowledged.put(key, "v" + i);
            }
            return i;
          }));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 300);
        beforeBackup = Map.copyOf(acknowledged);
        // From a follower: its read barrier must bring it up to every acknowledged write first.
        saved = client.saveBackup(backup, source.endpoint(source.otherThan(leader)));
      } finally {
        stop.set(true);
        writers.shutdown();
      }
      for (Future<Integer> load : loads) {
        load.get(30, TimeUnit.SECONDS);
      }
      assertThat(writers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      sourceClusterId = client.status().getClusterId();
      assertThat(client.put("source/still", "writable").getHeader().getRevision()).isGreaterThan(saved.revision());
    }
    BackupFile.Summary verified = BackupFile.verify(backup);
    assertThat(verified.sha256Hex()).isEqualTo(saved.sha256Hex());
    assertThat(verified.header().getClusterId()).isEqualTo(sourceClusterId);

    TestCluster target = TestCluster.configure(3, dir.resolve("target"), c -> c.withClusterId("restored-test"));
    try (target) {
      for (String id : target.ids()) {
        NodeConfig config = target.config(id);
        if (id.equals("n2")) {
          // As a container's volume: the directory exists, empty, and the member is built inside it.
          Files.createDirectories(config.dataDir());
        }
        BackupRestore.Result result = BackupRestore.restore(backup, config.dataDir(), id, config.peers(),
            "restored-test");
        assertThat(result.installed().revision()).isEqualTo(saved.revision());
        assertThat(RestoredMember.read(config.dataDir())).get().extracting(RestoredMember::memberId).isEqualTo(id);
      }
      target.startAll();
      target.awaitLeader();
      try (KvClient restored = client(target)) {
        GetResponse config = restored.get("config/a");
        // Nothing was written yet: the new cluster is at the backup's revision.
        assertThat(config.getHeader().getRevision()).isEqualTo(saved.revision());
        assertThat(config.getKv().getValue().toStringUtf8()).isEqualTo("2");
        assertThat(config.getKv().getVersion()).isEqualTo(2);
        assertThat(restored.range(RangeOptions.key("config/a").atRevision(config.getKv().getModRevision() - 1))
            .getKvsList()).extracting(kv -> kv.getValue().toStringUtf8()).containsExactly("1");
        assertThat(restored.get("gone").getFound()).isFalse();

        Map<String, String> load = listed(restored, "load/");
        assertThat(load).containsAllEntriesOf(beforeBackup);
        // Nothing that was not written: every key is one the load wrote, with its value.
        assertThat(acknowledged).containsAllEntriesOf(load);
        assertThat(load).hasSize((int) saved.keyCount() - 2);

        // Leases as etcd's restore: kept, with their keys, running a fresh TTL in the new cluster.
        var ttl = restored.lease().timeToLive(lease, true);
        assertThat(ttl.getTtl()).isPositive();
        assertThat(ttl.getGrantedTtl()).isEqualTo(60);
        assertThat(ttl.getKeysList()).containsExactly("leased/key");

        assertThat(restored.status().getClusterId())
            .isEqualTo(BackupRestore.groupUuid("restored-test").toString())
            .isNotEqualTo(sourceClusterId);
        assertThat(restored.put("after/restore", "yes").getHeader().getRevision()).isEqualTo(saved.revision() + 1);
        for (String id : target.ids()) {
          try (KvClient one = KvClient.builder().endpoints(target.endpoint(id)).build()) {
            await().atMost(Duration.ofSeconds(10)).until(
                () -> one.get("after/restore", ReadConsistency.SERIALIZABLE).getFound());
          }
        }
      }
      // A restored member restarts from its own data like any other.
      String follower = target.otherThan(target.awaitLeader());
      target.stopNode(follower);
      target.startNode(follower);
      try (KvClient one = KvClient.builder().endpoints(target.endpoint(follower)).requestTimeout(Duration.ofSeconds(15))
          .build()) {
        assertThat(one.get("after/restore").getValue().toStringUtf8()).isEqualTo("yes");
        assertThat(one.get("config/a").getValue().toStringUtf8()).isEqualTo("2");
      }
    }
  }

  @Test
  void aRestoreRefusesTheOldClusterIdANonEmptyDirectoryAnUnknownMemberAndACorruptFile() throws Exception {
    Path backup = dir.resolve("backup.db");
    try (TestCluster source = TestCluster.start(1, dir.resolve("source")); KvClient client = client(source)) {
      source.awaitLeader();
      client.put("k", "v");
      // 4 MiB of random values (snapshots are compressed: these do not shrink): the backup streams
      // in several 1 MiB messages.
      Random random = new Random(1);
      for (int t = 0; t < 4; t++) {
        RequestOp[] puts = new RequestOp[RequestLimits.MAX_TXN_OPS];
        for (int i = 0; i < puts.length; i++) {
          byte[] value = new byte[8 << 10];
          random.nextBytes(value);
          puts[i] = Op.put("big/" + t + "/" + i, ByteString.copyFrom(value), false);
        }
        client.txn(Txn.when().then(puts));
      }
      client.saveBackup(backup);
    }
    assertThat(BackupFile.verify(backup).sizeBytes()).isGreaterThan(4L << 20);
    List<Peer> members = List.of(new Peer("n1", "127.0.0.1", 9001), new Peer("n2", "127.0.0.1", 9002));

    assertThatThrownBy(() -> BackupRestore.restore(backup, dir.resolve("same"), "n1", members, "kvstore"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is the id of the cluster the backup was taken from")
        .hasMessageContaining("choose another --cluster-id");
    assertThat(dir.resolve("same")).doesNotExist();

    Path used = Files.createDirectories(dir.resolve("used"));
    Files.writeString(used.resolve("keep.txt"), "mine");
    assertThatThrownBy(() -> BackupRestore.restore(backup, used, "n1", members, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not empty");
    assertThat(Files.readString(used.resolve("keep.txt"))).isEqualTo("mine");
    try (var entries = Files.list(used)) {
      assertThat(entries).hasSize(1);
    }

    assertThatThrownBy(() -> BackupRestore.restore(backup, dir.resolve("stranger"), "n3", members, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("member 'n3' is not in the initial cluster");

    byte[] all = Files.readAllBytes(backup);
    byte[] changed = all.clone();
    changed[all.length / 2] ^= 0x01;
    Path tampered = Files.write(dir.resolve("tampered.db"), changed);
    assertThatThrownBy(() -> BackupRestore.restore(tampered, dir.resolve("from-tampered"), "n1", members, null))
        .isInstanceOf(BackupFileException.class)
        .hasMessageContaining("tampered with");
    assertThat(dir.resolve("from-tampered")).doesNotExist();
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains(".restoring-"));
    }

    // The default cluster id is the same for every member of one backup, and never the old one.
    BackupRestore.Result first = BackupRestore.restore(backup, dir.resolve("m1"), "n1", members, null);
    // An empty directory that exists (a container's volume) is built into, and left with nothing else.
    Path mounted = Files.createDirectories(dir.resolve("m2"));
    BackupRestore.Result second = BackupRestore.restore(backup, mounted, "n2", members, null);
    try (var entries = Files.list(mounted)) {
      assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains(".restoring-"))
          .contains(RestoredMember.FILE_NAME);
    }
    assertThat(RestoredMember.read(mounted).orElseThrow().memberId()).isEqualTo("n2");
    assertThat(first.installed().keyCount()).isEqualTo(1 + 4 * RequestLimits.MAX_TXN_OPS);
    assertThat(first.clusterId()).isEqualTo(second.clusterId())
        .isEqualTo("restored-" + BackupFile.verify(backup).sha256Hex().substring(0, 12));
  }

  @Test
  void aNodeStartedOnARestoredDirectoryWithAnotherClusterOrMemberIdIsRefusedSayingWhich() throws Exception {
    Path backup = dir.resolve("backup.db");
    try (TestCluster source = TestCluster.start(1, dir.resolve("source")); KvClient client = client(source)) {
      source.awaitLeader();
      client.put("k", "v");
      client.saveBackup(backup);
    }
    TestCluster target = TestCluster.configure(1, dir.resolve("target"), c -> c);
    NodeConfig config = target.config("n1");
    BackupRestore.restore(backup, config.dataDir(), "n1", config.peers(), "restored-x");

    assertThatThrownBy(() -> KvNode.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restored from a backup for cluster id 'restored-x'")
        .hasMessageContaining("--cluster-id restored-x");

    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs("--node-id", "n1", "--peers", config.peers().get(0).toString(),
        "--data-dir", config.dataDir().toString());
    assertThat(command.toConfig().clusterId()).as("taken from the data directory").isEqualTo("restored-x");
  }
}
