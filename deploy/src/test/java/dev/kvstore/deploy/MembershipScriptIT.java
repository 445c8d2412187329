package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KeyValue;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.RangeOptions;
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
 * The README's membership drill as real processes: a local cluster grown from three members to five
 * and back while a writer keeps writing, with the script ({@code local-cluster.sh join}) and the CLI
 * ({@code member add|promote|remove}, {@code move-leader}); every write acknowledged on the way is
 * then on each of the three members that stay.
 */
class MembershipScriptIT {

  @TempDir
  Path dir;

  private ScriptedCluster cluster;

  @AfterEach
  void clean() {
    if (cluster != null) {
      cluster.script("clean");
    }
  }

  @Test
  void growFromThreeToFiveAndBackUnderWritesLosesNoAcknowledgedWrite() throws Exception {
    cluster = ScriptedCluster.in(dir, 5, Map.of());
    ok(cluster.script("up"));
    List<String> written;
    try (KvClient client = KvClient.builder().endpoints(cluster.endpoints(1, 2, 3))
        .requestTimeout(Duration.ofSeconds(10)).build();
        ClusterWriter writer = new ClusterWriter(client, "grow/", 50_000, Duration.ofMinutes(4))) {
      for (int n : List.of(4, 5)) {
        ok(cluster.script("join", "n" + n));
        ok(cluster.cli("--timeout", "60s", "member", "add", "n" + n, cluster.raftAddress(n),
            "--client-address", cluster.endpoints(n)));
        // Caught up when the add returned; a promotion is refused only while it is not.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
            .until(() -> cluster.cli("--timeout", "10s", "member", "promote", "n" + n).exitCode() == 0);
      }
      awaitVoters(client, "n1", "n2", "n3", "n4", "n5");

      ok(cluster.cli("--timeout", "30s", "move-leader", "n4"));
      await().atMost(Duration.ofSeconds(30)).until(() -> leader(client).equals("n4"));
      ok(cluster.cli("--timeout", "30s", "move-leader", "n1"));
      ok(cluster.cli("--timeout", "30s", "member", "remove", "n5"));
      ok(cluster.cli("--timeout", "30s", "member", "remove", "n4"));
      awaitVoters(client, "n1", "n2", "n3");
      written = writer.stop();
    }

    assertThat(written).as("writes acknowledged during the changes").hasSizeGreaterThan(20);
    for (int n = 1; n <= 3; n++) {
      try (KvClient member = KvClient.builder().endpoints(cluster.endpoints(n))
          .requestTimeout(Duration.ofSeconds(20)).build()) {
        Set<String> held = member.rangeStream(RangeOptions.prefix("grow/").withKeysOnly(true))
            .map(KeyValue::getKey).collect(Collectors.toSet());
        assertThat(held).as("acknowledged writes on n" + n).containsAll(written);
      }
    }
  }

  private static void ok(ProcessRun.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
  }

  /** Waits (at most 30 s) until status, read from any member, lists exactly {@code ids} as voters. */
  private static void awaitVoters(KvClient client, String... ids) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(voters(client)).containsExactlyInAnyOrder(ids));
  }

  private static List<String> voters(KvClient client) {
    return client.status().getMembersList().stream()
        .filter(m -> m.getRole() == MemberRole.LEADER || m.getRole() == MemberRole.FOLLOWER)
        .map(MemberStatus::getId).toList();
  }

  private static String leader(KvClient client) {
    return client.status().getMembersList().stream().filter(m -> m.getRole() == MemberRole.LEADER)
        .map(MemberStatus::getId).findFirst().orElse("");
  }
}
