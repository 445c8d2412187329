package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.DeleteRequest;
import dev.kvstore.cli.CliEnvironment;
import dev.kvstore.cli.KvCli;
import dev.kvstore.node.api.WatchLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code kvstore watch} with the options only the Watch service has, against a real cluster. */
class CliWatchServiceTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(c -> c.withWatch(new WatchLimits(100, Duration.ofMillis(300))));

  @Test
  void anIntervalWatchPrintsDeletesWithTheirPreviousValuesAndProgress() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = {"--endpoints", String.join(",", SHARED.cluster().endpoints()),
        "watch", "cli/b", "cli/d", "--prev-kv", "--no-put", "--progress"};
    CliEnvironment environment = new CliEnvironment(new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of(), false);
    Thread cli = new Thread(() -> KvCli.commandLine(environment, args).execute(args), "cli-watch");
    cli.start();
    try {
      await().atMost(Duration.ofSeconds(10))
          .until(() -> SHARED.cluster().ids().stream()
              .anyMatch(id -> SHARED.cluster().node(id).stateMachine().watchHub().activeWatches() > 0));
      for (String key : new String[] {"cli/a", "cli/b", "cli/c", "cli/d"}) {
        SHARED.cluster().kv("n1").put(put(key, "old-" + key));
      }
      for (String key : new String[] {"cli/a", "cli/b", "cli/c", "cli/d"}) {
        SHARED.cluster().kv("n1").delete(DeleteRequest.newBuilder().setKey(key).build());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString(StandardCharsets.UTF_8).contains("PROGRESS"));
      String printed = out.toString(StandardCharsets.UTF_8);
      assertThat(printed.lines().filter(line -> !line.startsWith("PROGRESS")))
          .hasSize(2)
          .allSatisfy(line -> assertThat(line).startsWith("DELETE cli/"))
          .anySatisfy(line -> assertThat(line).contains("was old-cli/b"))
          .anySatisfy(line -> assertThat(line).contains("was old-cli/c"));
      assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    } finally {
      cli.interrupt();
      cli.join(5_000);
    }
  }
}
