package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code txn}, {@code cas} and {@code delete --prefix / KEY RANGE_END} against a fake node. */
class TxnCommandTest {

  private final FakeStore store = new FakeStore();
  private FakeKvServer server;

  @BeforeEach
  void startServer() {
    server = FakeKvServer.start("n1", store);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private CliRun kvstore(String... args) {
    return CliRun.against(server.endpoint(), args);
  }

  private CliRun kvstoreWithInput(String stdin, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--endpoints";
    all[1] = server.endpoint();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRun.withInput(stdin.getBytes(StandardCharsets.UTF_8), Map.of(), all);
  }

  private void put(String key, String value) {
    store.put(key, ByteString.copyFromUtf8(value), null);
  }

  private static final String CREATE_LOCK = """
      mod("lock") = "0"

      put lock "me too"
      get lock

      get lock
      """;

  @Test
  void aTransactionFromStandardInputPrintsItsBranchAndEachAnswer() {
    CliRun won = kvstoreWithInput(CREATE_LOCK, "txn");
    CliRun lost = kvstoreWithInput(CREATE_LOCK, "txn");

    assertThat(won.exitCode()).isZero();
    assertThat(won.out()).isEqualTo("SUCCESS\n\nOK\n\nlock\nme too\n");
    assertThat(lost.exitCode()).as("txn exits 0 whichever branch ran").isZero();
    assertThat(lost.out()).isEqualTo("FAILURE\n\nlock\nme too\n");
    assertThat(store.get("lock").orElseThrow().getVersion()).isEqualTo(1);
  }

  @Test
  void aTransactionFromAFileAsJson(@TempDir Path dir) throws Exception {
    put("jobs/1", "a");
    put("jobs/2", "b");
    Path file = dir.resolve("txn.txt");
    Files.writeString(file, """
        ver("jobs/1") > 0
        val("jobs/2") = "b"

        del --prefix --prev-kv jobs/
        put done yes
        """);

    CliRun run = kvstore("-o", "json", "txn", "--file", file.toString());

    assertThat(run.exitCode()).isZero();
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("succeeded").getAsBoolean()).isTrue();
    assertThat(json.get("revision").getAsLong()).isEqualTo(3);
    JsonObject delete = json.getAsJsonArray("responses").get(0).getAsJsonObject().getAsJsonObject("delete");
    assertThat(delete.get("deleted").getAsLong()).isEqualTo(2);
    assertThat(delete.getAsJsonArray("prev_kvs")).hasSize(2);
    assertThat(store.get("done")).isPresent();
  }

  @Test
  void aTerminalGetsPromptsForEachPart() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment terminal = new CliEnvironment(
        new ByteArrayInputStream("\nput k v\n\n\n".getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of(), true);
    String[] args = {"--endpoints", server.endpoint(), "txn"};

    int exit = KvCli.commandLine(terminal, args).execute(args);

    assertThat(exit).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("compares (").contains("success requests (").contains("failure requests");
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("SUCCESS");
    assertThat(store.get("k")).isPresent();
  }

  @Test
  void aBadLineIsAUsageErrorNamingItAndNothingIsSent(@TempDir Path dir) {
    CliRun badCompare = kvstoreWithInput("val(lock) = 1\n", "txn");
    CliRun badOp = kvstoreWithInput("\nput onlykey\n", "txn");
    CliRun missing = kvstore("txn", "--file", dir.resolve("nope").toString());

    assertThat(badCompare.exitCode()).isEqualTo(2);
    assertThat(badCompare.stderr()).contains("line 1: not a compare; use TARGET(\"KEY\"");
    assertThat(badOp.exitCode()).isEqualTo(2);
    assertThat(badOp.stderr()).contains("line 2: put takes KEY VALUE");
    assertThat(server.requests("Txn")).isEmpty();
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.stderr()).contains("no such file");
  }

  @Test
  void casExitsZeroWhenItWonAndFiveWhenItLost() {
    CliRun created = kvstore("cas", "k", "--mod-revision", "0", "--value", "v1");
    CliRun swapped = kvstore("cas", "k", "--expect", "v1", "--value", "v2");
    CliRun lost = kvstore("-o", "json", "cas", "k", "--expect", "v1", "--value", "v3");
    CliRun neither = kvstore("cas", "k", "--value", "v3");
    CliRun both = kvstore("cas", "k", "--expect", "v1", "--mod-revision", "1", "--value", "v3");

    assertThat(created.exitCode()).isZero();
    assertThat(created.out()).isEqualTo("OK\n");
    assertThat(swapped.exitCode()).isZero();
    assertThat(lost.exitCode()).isEqualTo(5);
    assertThat(lost.stderr()).contains("compare failed: k has mod revision 2");
    JsonObject json = JsonParser.parseString(lost.out()).getAsJsonObject();
    assertThat(json.get("won").getAsBoolean()).isFalse();
    assertThat(json.getAsJsonObject("current").get("value").getAsString()).isEqualTo("v2");
    assertThat(neither.exitCode()).isEqualTo(2);
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(store.get("k").orElseThrow().getValue().toStringUtf8()).isEqualTo("v2");
  }

  @Test
  void deleteRemovesAPrefixOrAnInterval() {
    put("p/1", "x");
    put("p/2", "x");
    put("q", "x");
    put("r", "x");

    CliRun prefix = kvstore("delete", "--prefix", "p/");
    CliRun interval = kvstore("-o", "json", "delete", "q", "r");
    CliRun fromKey = kvstore("delete", "a", "\\0");
    CliRun none = kvstore("delete", "--prefix", "p/");
    CliRun both = kvstore("delete", "--prefix", "p/", "z");

    assertThat(prefix.exitCode()).isZero();
    assertThat(prefix.out()).isEqualTo("deleted 2\n");
    assertThat(JsonParser.parseString(interval.out()).getAsJsonObject().get("deleted").getAsLong()).isEqualTo(1);
    assertThat(fromKey.out()).isEqualTo("deleted 1\n");
    assertThat(none.exitCode()).isEqualTo(3);
    assertThat(none.stderr()).contains("no key with prefix p/");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(7);
  }

  @Test
  void helpDescribesTheFormatsAndExitCodes() {
    CliRun txn = CliRun.of("txn", "--help");
    CliRun cas = CliRun.of("cas", "--help");
    CliRun delete = CliRun.of("delete", "--help");

    assertThat(txn.exitCode()).isZero();
    assertThat(txn.out()).contains("mod(\"lock\") = \"0\"").contains("(SUCCESS or");
    assertThat(cas.out()).contains("--mod-revision").contains("5 when the");
    assertThat(delete.out()).contains("--prefix").contains("RANGE_END").contains("'\\0'");
  }
}
