package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeStore store = new FakeStore();
  private final FakeKvServer server = FakeKvServer.start("n1", store);
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Thread cli;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (cli != null) {
      cli.interrupt();
      cli.join(WAIT.toMillis());
    }
    server.close();
  }

  /** Starts {@code kvstore ARGS} on its own thread; interrupting that thread is the Ctrl-C. */
  private CompletableFuture<Integer> start(String... args) {
    CliEnvironment environment = new CliEnvironment(
        new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of(),
        false);
    CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    cli = new Thread(() -> exitCode.complete(KvCli.commandLine(environment, args).execute(args)), "cli-under-test");
    cli.start();
    return exitCode;
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private void put(String key, String value) {
    store.put(key, ByteString.copyFromUtf8(value), null);
  }

  @Test
  void printsEachChangeUntilInterrupted() {
    CompletableFuture<Integer> exitCode = start("--endpoints", server.endpoint(), "watch", "k");
    await().atMost(WAIT).until(() -> server.openWatches() == 1);

    put("k", "v1");
    put("other", "x");
    store.delete("k", null);
    await().atMost(WAIT).until(() -> out().lines().count() == 2);
    cli.interrupt();

    assertThat(exitCode).succeedsWithin(WAIT).isEqualTo(0);
    assertThat(out()).isEqualTo("PUT k v1 (revision 1)\nDELETE k (revision 3)\n");
    await().atMost(WAIT).until(() -> server.openWatches() == 0);
  }

  @Test
  void printsOneJsonObjectPerLineForAPrefixFromARevision() {
    put("p/a", "1");
    put("p/b", "2");
    CompletableFuture<Integer> exitCode =
        start("--endpoints", server.endpoint(), "watch", "p/", "--prefix", "--rev", "2", "-o", "json");

    await().atMost(WAIT).until(() -> server.openWatches() == 1);
    put("p/c", "3");
    await().atMost(WAIT).until(() -> out().lines().count() == 2);
    cli.interrupt();

    assertThat(exitCode).succeedsWithin(WAIT).isEqualTo(0);
    assertThat(out().lines()).containsExactly(
        "{\"type\":\"PUT\",\"key\":\"p/b\",\"value\":\"2\",\"revision\":2}",
        "{\"type\":\"PUT\",\"key\":\"p/c\",\"value\":\"3\",\"revision\":3}");
  }

  @Test
  void keepsWatchingAcrossABrokenStream() {
    CompletableFuture<Integer> exitCode = start("--endpoints", server.endpoint(), "watch", "k");
    await().atMost(WAIT).until(() -> server.openWatches() == 1);
    put("k", "1");
    await().atMost(WAIT).until(() -> out().lines().count() == 1);

    server.breakWatches(Status.UNAVAILABLE.withDescription("node restarting"));
    put("k", "2");

    await().atMost(WAIT).until(() -> out().lines().count() == 2);
    assertThat(out()).isEqualTo("PUT k 1 (revision 1)\nPUT k 2 (revision 2)\n");
    assertThat(err.toString(StandardCharsets.UTF_8)).as("the break is told on stderr")
        .startsWith("watch interrupted: " + server.endpoint() + " UNAVAILABLE (node restarting); resuming on");
    assertThat(exitCode).isNotDone();
  }

  @Test
  void compactedHistoryEndsWithExitCodeOne() {
    put("k", "1");
    put("k", "2");
    store.compact(1);

    CompletableFuture<Integer> exitCode = start("--endpoints", server.endpoint(), "watch", "k", "--rev", "1");

    assertThat(exitCode).succeedsWithin(WAIT).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: ").contains("OUT_OF_RANGE").contains("compacted");
  }

  @Test
  void invalidWatchExitsWithTwo() {
    server.failNext("Watch", Status.INVALID_ARGUMENT.withDescription("key too long"));

    CompletableFuture<Integer> exitCode = start("--endpoints", server.endpoint(), "watch", "k");

    assertThat(exitCode).succeedsWithin(WAIT).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("key too long");
  }

  @Test
  void aWatchThatCannotBeEstablishedExitsWithFour() {
    CompletableFuture<Integer> exitCode =
        start("--endpoints", FakeKvServer.deadEndpoint(), "--timeout", "300ms", "watch", "k");

    assertThat(exitCode).succeedsWithin(WAIT).isEqualTo(4);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: watch not established within 300ms");
  }
}
