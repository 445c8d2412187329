package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.CliEnvironment;
import dev.kvstore.cli.KvCli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvstore member list|add|promote|remove} and {@code move-leader} against an in-process cluster. */
class CliMembershipTest {

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private record Run(int exit, String out, String err) {}

  private Run cli(String... args) {
    List<String> all = new ArrayList<>(List.of("--endpoints", String.join(",", cluster.endpoint("n1"),
        cluster.endpoint("n2"), cluster.endpoint("n3")), "--timeout", "30s"));
    all.addAll(List.of(args));
    String[] argv = all.toArray(new String[0]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment environment = new CliEnvironment(new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of(), false);
    int exit = KvCli.commandLine(environment, argv).execute(argv);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run ok(String... args) {
    Run run = cli(args);
    assertThat(run.exit()).as("kvstore %s: %s", String.join(" ", args), run.err()).isZero();
    return run;
  }

  @Test
  void growsListsMovesTheLeaderAndShrinksThroughTheCli() {
    cluster = TestCluster.start(3, dir);
    cluster.awaitLeader();
    assertThat(ok("member", "list").out()).contains(
        "n1\t" + cluster.config("n1").self().address() + "\t" + cluster.endpoint("n1") + "\tvoter");

    cluster.startJoiningNode("n4", dir);
    String raftAddress = cluster.config("n4").self().address();
    assertThat(ok("member", "add", "n4", raftAddress, "--client-address", cluster.endpoint("n4")).out())
        .contains("added learner n4", "n4\t" + raftAddress + "\t" + cluster.endpoint("n4") + "\tlearner");
    Run again = cli("member", "add", "n4", raftAddress);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("ALREADY_EXISTS", "member id 'n4' is already in use");
    assertThat(ok("member", "promote", "n4").out()).contains("promoted n4 to voter", "n4\t" + raftAddress);
    assertThat(ok("-o", "json", "member", "list").out()).contains("\"id\":\"n4\"", "\"is_learner\":false");

    assertThat(ok("move-leader", "n4").out()).contains("leader is now n4");
    assertThat(cluster.awaitLeader()).isEqualTo("n4");
    ok("move-leader", "n1");
    assertThat(cluster.awaitLeader()).isEqualTo("n1");

    assertThat(ok("member", "remove", "n4").out()).contains("removed n4").doesNotContain("n4\t");
    Run unknown = cli("member", "remove", "n9");
    assertThat(unknown.exit()).isEqualTo(3);
    assertThat(unknown.err()).contains("no member 'n9'");
  }
}
