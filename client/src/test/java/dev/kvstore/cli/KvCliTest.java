package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import dev.kvstore.testing.SilentEndpoint;
import io.grpc.Status;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvCliTest {

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

  private static JsonObject json(CliRun run) {
    return JsonParser.parseString(run.out()).getAsJsonObject();
  }

  private void put(String key, String value) {
    store.put(key, ByteString.copyFromUtf8(value), null);
  }

  /** Keys {@code prefix00000}, ... with values {@code value0}, ... */
  private void populate(String prefix, int count, String value) {
    for (int i = 0; i < count; i++) {
      put(prefix + String.format(Locale.ROOT, "%05d", i), value + i);
    }
  }

  @Test
  void putThenGetPrintOkAndTheValue() {
    CliRun put = kvstore("put", "greeting", "hello world");
    CliRun get = kvstore("get", "greeting");

    assertThat(put.exitCode()).isZero();
    assertThat(put.out()).isEqualTo("OK\n");
    assertThat(get.exitCode()).isZero();
    assertThat(get.out()).isEqualTo("hello world\n");
    assertThat(get.stderr()).isEmpty();
  }

  @Test
  void putJsonReportsTheRevisionAndThePreviousEntry() {
    JsonObject first = json(kvstore("-o", "json", "put", "k", "v1", "--prev-kv"));
    JsonObject second = json(kvstore("put", "k", "v2", "--prev-kv", "--output", "json"));

    assertThat(first.get("revision").getAsLong()).isEqualTo(1);
    assertThat(first.get("prev").isJsonNull()).isTrue();
    assertThat(second.get("revision").getAsLong()).isEqualTo(2);
    assertThat(second.getAsJsonObject("prev").get("value").getAsString()).isEqualTo("v1");
  }

  @Test
  void putReadsBinaryValuesFromStdinAndFiles(@TempDir Path dir) throws Exception {
    byte[] binary = {0, (byte) 0xff, 10, (byte) 0xc3, 65};
    Path file = dir.resolve("value.bin");
    Files.write(file, binary);

    CliRun fromStdin = CliRun.withInput(binary, Map.of(), "--endpoints", server.endpoint(), "put", "bin", "-");
    CliRun fromFile = kvstore("put", "file", "--file", file.toString());
    CliRun plain = kvstore("get", "bin");
    CliRun asJson = kvstore("get", "file", "-o", "json");

    assertThat(fromStdin.exitCode()).isZero();
    assertThat(fromFile.exitCode()).isZero();
    assertThat(store.get("bin").orElseThrow().getValue().toByteArray()).isEqualTo(binary);
    assertThat(plain.stdout()).isEqualTo(new byte[] {0, (byte) 0xff, 10, (byte) 0xc3, 65, '\n'});
    assertThat(json(asJson).has("value")).isFalse();
    assertThat(json(asJson).get("value_base64").getAsString()).isEqualTo("AP8Kw0E=");
  }

  @Test
  void putOfAValueOverTheLimitIsAUsageErrorNamingItAndNothingIsSent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.bin");
    Files.write(file, new byte[5_000_000]);

    CliRun fromFile = kvstore("put", "big", "--file", file.toString());
    CliRun fromStdin = CliRun.withInput(new byte[5_000_000], Map.of(), "--endpoints", server.endpoint(), "put", "big", "-");
    CliRun fromArgument = kvstore("put", "big", "x".repeat((1 << 20) + 1));

    assertThat(fromFile.exitCode()).isEqualTo(2);
    assertThat(fromFile.stderr()).contains("--file " + file + ": value is 5000000 bytes; the maximum is 1048576 bytes (1 MiB)");
    assertThat(fromStdin.exitCode()).isEqualTo(2);
    assertThat(fromStdin.stderr())
        .contains("standard input holds more than 1048576 bytes; the maximum value is 1048576 bytes (1 MiB)");
    assertThat(fromArgument.exitCode()).isEqualTo(2);
    assertThat(fromArgument.stderr()).contains("value is 1048577 bytes; the maximum is 1048576 bytes (1 MiB)");
    for (CliRun run : List.of(fromFile, fromStdin, fromArgument)) {
      assertThat(run.stderr().lines()).as(run.stderr()).hasSize(1);
    }
    assertThat(server.requests("Put")).isEmpty();
  }

  @Test
  void outOfRangeDurationsAndRevisionsAreUsageErrorsThatSayWhatIsAllowed() {
    CliRun zero = kvstore("--timeout", "0", "get", "k");
    CliRun tooShort = kvstore("--timeout", "0.1ms", "get", "k");
    CliRun unknownUnit = kvstore("--connect-timeout", "1ns", "get", "k");
    CliRun negativeRevision = kvstore("watch", "k", "--rev", "-1");

    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.stderr()).contains("'0' must be longer than zero: use e.g. 500ms, 5s, 1m");
    assertThat(tooShort.exitCode()).isEqualTo(2);
    assertThat(tooShort.stderr()).contains("'0.1ms' must be at least 1ms");
    assertThat(unknownUnit.exitCode()).isEqualTo(2);
    assertThat(unknownUnit.stderr()).contains("'1ns' is not a duration: use a number with the unit ms, s, m or h");
    CliRun hugeValues = kvstore("populate", "--count", "1", "--value-size", "2000000");
    assertThat(hugeValues.exitCode()).isEqualTo(2);
    assertThat(hugeValues.stderr()).contains("--value-size is 2000000 bytes; the maximum is 1048576 bytes (1 MiB)")
        .doesNotContain("Put not sent");
    assertThat(negativeRevision.exitCode()).isEqualTo(2);
    assertThat(negativeRevision.stderr()).contains("--rev must be a revision of at least 1 (or 0: from now), got -1")
        .contains("kvstore watch --help");
  }

  @Test
  void aHugeFileIsRefusedByItsSizeWithoutBeingRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sparse-5g.bin");
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(5L << 30);
    }

    CliRun run = kvstore("put", "huge", "--file", file.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("value is 5368709120 bytes; the maximum is 1048576 bytes (1 MiB)");
  }

  @Test
  void anUnreadableFileIsNamedWithTheReasonInPlainWords(@TempDir Path dir) {
    CliRun missing = kvstore("put", "k", "--file", dir.resolve("absent.txt").toString());
    CliRun directory = kvstore("put", "k", "--file", dir.toString());

    assertThat(missing.stderr()).startsWith("error: cannot read --file " + dir.resolve("absent.txt") + ": no such file (");
    assertThat(directory.stderr()).startsWith("error: cannot read --file " + dir + ": ").containsIgnoringCase("directory")
        .doesNotContain("Exception");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(directory.exitCode()).isEqualTo(2);
    assertThat(server.requests("Put")).isEmpty();
  }

  @Test
  void aValueOfExactlyTheLimitIsPut(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("max.bin");
    Files.write(file, new byte[1 << 20]);

    assertThat(kvstore("put", "max", "--file", file.toString()).exitCode()).isZero();
    assertThat(CliRun.withInput(new byte[1 << 20], Map.of(), "--endpoints", server.endpoint(), "put", "max2", "-")
        .exitCode()).isZero();
    assertThat(store.get("max").orElseThrow().getValue().size()).isEqualTo(1 << 20);
    assertThat(store.get("max2").orElseThrow().getValue().size()).isEqualTo(1 << 20);
  }

  @Test
  void getJsonHasTheEntryAndItsRevisions() {
    put("k", "v1");
    put("other", "x");
    put("k", "v2");

    CliRun run = kvstore("get", "k", "-o", "json", "--consistency", "serializable");

    JsonObject json = json(run);
    assertThat(json.get("key").getAsString()).isEqualTo("k");
    assertThat(json.get("value").getAsString()).isEqualTo("v2");
    assertThat(json.get("create_revision").getAsLong()).isEqualTo(1);
    assertThat(json.get("mod_revision").getAsLong()).isEqualTo(3);
    assertThat(json.get("version").getAsLong()).isEqualTo(2);
    assertThat(json.get("revision").getAsLong()).isEqualTo(3);
    assertThat(server.<GetRequest>requests("Get").get(0).getConsistency()).isEqualTo(ReadConsistency.SERIALIZABLE);
  }

  @Test
  void missingKeysExitWithThree() {
    CliRun get = kvstore("get", "nope");
    CliRun getJson = kvstore("-o", "json", "get", "nope");
    CliRun delete = kvstore("delete", "nope");

    for (CliRun run : new CliRun[] {get, getJson, delete}) {
      assertThat(run.exitCode()).isEqualTo(3);
      assertThat(run.stderr()).isEqualTo("key not found: nope\n");
      assertThat(run.out()).isEmpty();
    }
  }

  @Test
  void deletePrintsHowManyKeysWentAway() {
    put("a", "1");
    put("b", "2");

    CliRun plain = kvstore("delete", "a");
    JsonObject json = json(kvstore("delete", "b", "--prev-kv", "-o", "json"));

    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out()).isEqualTo("deleted 1\n");
    assertThat(json.get("deleted").getAsLong()).isEqualTo(1);
    assertThat(json.get("revision").getAsLong()).isEqualTo(4);
    assertThat(json.getAsJsonObject("prev").get("value").getAsString()).isEqualTo("2");
    assertThat(store.get("a")).isEmpty();
  }

  @Test
  void compactReportsTheCompactedRevisionAndRefusesOneOutOfRange() {
    put("a", "1");
    put("a", "2");
    put("a", "3");

    CliRun plain = kvstore("compact", "2");
    CliRun again = kvstore("compact", "2");
    JsonObject json = json(kvstore("compact", "3", "-o", "json"));

    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out()).isEqualTo("compacted at revision 2\n");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr()).contains("OUT_OF_RANGE").contains("3..3");
    assertThat(json.get("compact_revision").getAsLong()).isEqualTo(3);
    assertThat(kvstore("compact", "0").exitCode()).isEqualTo(2);
  }

  @Test
  void allListsEntriesInKeyOrder() {
    put("b", "2");
    put("a", "1");
    put("c/x", "3");

    CliRun plain = kvstore("all");
    CliRun limited = kvstore("all", "--limit", "2");
    JsonObject json = json(kvstore("all", "--prefix", "c/", "-o", "json", "--consistency", "SERIALIZABLE"));

    assertThat(plain.out()).isEqualTo("a\t1\nb\t2\nc/x\t3\n");
    assertThat(limited.out()).isEqualTo("a\t1\nb\t2\n");
    assertThat(limited.stderr()).contains("2 of 3 entries");
    assertThat(json.getAsJsonArray("kvs")).hasSize(1);
    assertThat(json.getAsJsonArray("kvs").get(0).getAsJsonObject().get("key").getAsString()).isEqualTo("c/x");
    assertThat(json.get("more").getAsBoolean()).isFalse();
    GetAllRequest request = server.<GetAllRequest>requests("GetAll").get(2);
    assertThat(request.getPrefix()).isEqualTo("c/");
    assertThat(request.getConsistency()).isEqualTo(ReadConsistency.SERIALIZABLE);
  }

  @Test
  void allJsonSaysWhenThereIsMore() {
    put("a", "1");
    put("b", "2");

    JsonObject json = json(kvstore("all", "--limit", "1", "-o", "json"));

    assertThat(json.getAsJsonArray("kvs")).hasSize(1);
    assertThat(json.get("more").getAsBoolean()).isTrue();
    assertThat(json.get("count").getAsLong()).isEqualTo(2);
  }

  @Test
  void allListsEveryEntryPageByPage() {
    populate("p/", 25_000, "v");
    put("pz", "not under p/");

    CliRun run = kvstore("all", "--prefix", "p/");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stderr()).isEmpty();
    assertThat(run.out().lines().toList()).hasSize(25_000)
        .startsWith("p/00000\tv0", "p/00001\tv1")
        .endsWith("p/24999\tv24999")
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(server.<GetAllRequest>requests("GetAll"))
        .extracting(GetAllRequest::getStartAfter)
        .containsExactly("", "p/09999", "p/19999");
  }

  @Test
  void allLimitIsTheTotalWantedAndSaysWhatItLeftOut() {
    populate("p/", 25_000, "v");

    CliRun cut = kvstore("all", "--prefix", "p/", "--limit", "12000");
    CliRun exact = kvstore("all", "--prefix", "p/", "--limit", "25000");
    CliRun beyond = kvstore("all", "--limit", "99999999999");

    assertThat(cut.exitCode()).isZero();
    assertThat(cut.out().lines().toList()).hasSize(12_000).endsWith("p/11999\tv11999");
    assertThat(cut.stderr()).isEqualTo("(12000 of 25000 entries shown: --limit reached; --limit 0 lists them all)\n");
    assertThat(exact.out().lines()).hasSize(25_000);
    assertThat(exact.stderr()).isEmpty();
    assertThat(beyond.out().lines()).hasSize(25_000);
    assertThat(beyond.stderr()).isEmpty();
  }

  @Test
  void allJsonIsOneDocumentOverEveryPage() {
    populate("p/", 25_000, "v");

    JsonObject all = json(kvstore("all", "-o", "json", "--prefix", "p/"));
    JsonObject cut = json(kvstore("all", "-o", "json", "--prefix", "p/", "--limit", "10001"));

    assertThat(all.getAsJsonArray("kvs")).hasSize(25_000);
    assertThat(all.getAsJsonArray("kvs").get(24_999).getAsJsonObject().get("key").getAsString()).isEqualTo("p/24999");
    assertThat(all.get("count").getAsLong()).isEqualTo(25_000);
    assertThat(all.get("more").getAsBoolean()).isFalse();
    assertThat(all.get("revision").getAsLong()).isEqualTo(25_000);
    assertThat(all.keySet()).containsExactly("kvs", "count", "more", "revision");
    assertThat(cut.getAsJsonArray("kvs")).hasSize(10_001);
    assertThat(cut.get("count").getAsLong()).isEqualTo(25_000);
    assertThat(cut.get("more").getAsBoolean()).isTrue();
  }

  @Test
  void allListsLargeValuesThatFillAPageInAFewEntries() {
    String large = "x".repeat(1_000_000);
    for (int i = 0; i < 10; i++) {
      put("big/" + i, large);
    }

    CliRun plain = kvstore("all", "--prefix", "big/");
    JsonObject json = json(kvstore("all", "--prefix", "big/", "-o", "json", "--limit", "7"));

    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out().lines().toList()).hasSize(10).allSatisfy(line -> assertThat(line).endsWith("\t" + large));
    assertThat(plain.stderr()).isEmpty();
    assertThat(json.getAsJsonArray("kvs")).hasSize(7);
    assertThat(json.get("more").getAsBoolean()).isTrue();
    assertThat(json.get("count").getAsLong()).isEqualTo(10);
    assertThat(server.<GetAllRequest>requests("GetAll"))
        .as("four pages of at most three; then pages of three, three and one for seven")
        .extracting(GetAllRequest::getLimit)
        .containsExactly(0L, 0L, 0L, 0L, 7L, 4L, 1L);
  }

  @Test
  void anEmptyListingPrintsNothingOrAnEmptyDocument() {
    put("other", "x");

    CliRun plain = kvstore("all", "--prefix", "none/");
    CliRun json = kvstore("all", "--prefix", "none/", "-o", "json");

    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out()).isEmpty();
    assertThat(plain.stderr()).isEmpty();
    assertThat(json.out()).isEqualTo("{\"kvs\":[],\"count\":0,\"more\":false,\"revision\":1}\n");
  }

  @Test
  void aPageThatFailsMidListingEndsTheOutputWithTheErrorAndItsExitCode() {
    populate("p/", 25_000, "v");
    server.failAfter("GetAll", 1, Status.PERMISSION_DENIED.withDescription("not allowed"));
    CliRun plain = kvstore("all");
    server.failAfter("GetAll", 2, Status.PERMISSION_DENIED.withDescription("not allowed"));
    CliRun json = kvstore("all", "-o", "json");

    assertThat(plain.exitCode()).isEqualTo(1);
    assertThat(plain.out().lines()).hasSize(10_000);
    assertThat(plain.stderr()).startsWith("error: GetAll failed").contains("not allowed");
    assertThat(json.exitCode()).isEqualTo(1);
    assertThat(json.out()).startsWith("{\"kvs\":[{\"key\":\"p/00000\"").doesNotContain("\"count\"");
    assertThatThrownBy(() -> JsonParser.parseString(json.out())).as("an unfinished document")
        .isInstanceOf(JsonParseException.class);
  }

  @Test
  void requestsTheServerRejectsAsInvalidExitWithTwo() {
    server.failNext("Put", Status.INVALID_ARGUMENT.withDescription("the server says no"));
    CliRun put = kvstore("put", "k", "v");

    assertThat(put.exitCode()).isEqualTo(2);
    assertThat(put.stderr()).startsWith("error: ").contains("the server says no").doesNotContain("\tat ");
  }

  @Test
  void requestsBeyondALimitExitWithTwoWithoutBeingSent() {
    CliRun put = kvstore("put", "", "v");

    assertThat(put.exitCode()).isEqualTo(2);
    assertThat(put.stderr()).startsWith("error: ").contains("key is empty").doesNotContain("\tat ");
    assertThat(server.requests("Put")).isEmpty();
  }

  @Test
  void anUnreachableClusterExitsWithFourAndOneLine() {
    CliRun run = CliRun.of("--endpoints", FakeKvServer.deadEndpoint(), "--timeout", "300ms", "get", "k");

    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.stderr()).startsWith("error: Get: no endpoint answered within 300ms").contains("connection refused");
    assertThat(run.stderr().lines()).hasSize(1);
  }

  @Test
  void connectingBeforeTheRequestFindsTheNodeThatIsUp() throws Exception {
    try (SilentEndpoint paused = new SilentEndpoint()) {
      // The request alone has 1 s; a first attempt that had to wait out the 5 s connect timeout
      // on the paused node would use it all up.
      CliRun run = CliRun.of("--endpoints", paused.endpoint() + "," + server.endpoint(),
          "--connect-timeout", "5s", "--timeout", "1s", "get", "k");

      assertThat(run.stderr()).isEqualTo("key not found: k\n");
      assertThat(run.exitCode()).isEqualTo(3);
      assertThat(server.<GetRequest>requests("Get")).hasSize(1);
    }
  }

  @Test
  void verboseAddsTheStackTrace() {
    CliRun run = CliRun.of("--endpoints", FakeKvServer.deadEndpoint(), "--timeout", "200ms", "get", "k", "-v");

    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.stderr()).contains("\tat ");
  }

  @Test
  void otherServerErrorsExitWithOne() {
    server.failNext("Get", Status.PERMISSION_DENIED.withDescription("not allowed"));

    CliRun run = kvstore("get", "k");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("PERMISSION_DENIED").contains("not allowed");
  }

  @Test
  void aWriteRefusedForAReusedRequestIdExitsWithOneAndSaysWhy() {
    server.failNext("Put", Status.FAILED_PRECONDITION.withDescription("request id (client 00ff, sequence 1) was"
        + " already used for a different write at revision 7; use a new sequence number"));

    CliRun run = kvstore("put", "k", "v");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("error: Put failed: ").contains("FAILED_PRECONDITION")
        .contains("already used for a different write at revision 7; use a new sequence number")
        .doesNotContain("may or may not");
    assertThat(run.stderr().lines()).hasSize(1);
    assertThat(store.get("k")).isEmpty();
  }

  @Test
  void usageErrorsExitWithTwoAndOneLine() {
    CliRun[] runs = {
      kvstore("get"),
      kvstore("frobnicate"),
      kvstore("--timeout", "soon", "get", "k"),
      kvstore("put", "k"),
      kvstore("put", "k", "v", "--file", "/etc/hostname"),
      kvstore("put", "k", "--file", "/does/not/exist"),
      kvstore("get", "k", "--consistency", "eventual"),
      kvstore("populate", "--count", "0"),
      kvstore("all", "--limit", "-1"),
      kvstore("snapshot", "--endpoint", "nonsense"),
      CliRun.of("--endpoints", "no-port-here", "get", "k"),
    };
    for (CliRun run : runs) {
      assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
      assertThat(run.stderr()).startsWith("error: ").doesNotContain("\tat ");
      assertThat(run.stderr().lines()).as(run.stderr()).hasSize(1);
      assertThat(run.out()).isEmpty();
    }
    assertThat(CliRun.of().exitCode()).isEqualTo(2);
  }

  @Test
  void endpointsComeFromTheEnvironmentWhenNotGiven() {
    put("k", "from env");

    CliRun run = CliRun.withInput(new byte[0], Map.of("KVSTORE_ENDPOINTS", server.endpoint()), "get", "k");

    assertThat(run.out()).isEqualTo("from env\n");
  }

  @Test
  void compressionComesFromTheFlagOrTheEnvironment() {
    CliRun flag = kvstore("--compression", "gzip", "put", "k", "v");
    CliRun env = CliRun.withInput(new byte[0],
        Map.of("KVSTORE_ENDPOINTS", server.endpoint(), "KVSTORE_COMPRESSION", "GZIP"), "get", "k");
    CliRun flagOverEnv = CliRun.withInput(new byte[0],
        Map.of("KVSTORE_ENDPOINTS", server.endpoint(), "KVSTORE_COMPRESSION", "gzip"), "--compression", "none",
        "get", "k");
    CliRun unknown = CliRun.withInput(new byte[0],
        Map.of("KVSTORE_ENDPOINTS", server.endpoint(), "KVSTORE_COMPRESSION", "zstd"), "get", "k");

    assertThat(flag.exitCode()).as(flag.stderr()).isZero();
    assertThat(env.out()).isEqualTo("v\n");
    assertThat(flagOverEnv.out()).isEqualTo("v\n");
    assertThat(server.requestEncodings("Put")).containsExactly("gzip");
    assertThat(server.requestEncodings("Get")).containsExactly("gzip", "identity");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.stderr()).contains("KVSTORE_COMPRESSION must be gzip or none");
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheSubcommand() {
    put("k", "v");
    String dead = FakeKvServer.deadEndpoint();

    CliRun after = CliRun.of("--timeout", "200ms", "get", "k", "--endpoints", server.endpoint());
    CliRun before = CliRun.of("--endpoints", server.endpoint(), "--timeout", "1s", "get", "k");
    CliRun timeoutAfter = CliRun.of("--endpoints", dead, "get", "k", "--timeout", "200ms");

    assertThat(after.out()).isEqualTo("v\n");
    assertThat(before.out()).isEqualTo("v\n");
    assertThat(timeoutAfter.stderr()).contains("within 200ms");
  }

  @Test
  void helpListsTheExitCodesAndVersionIsTheProjectVersion() {
    CliRun help = CliRun.of("--help");
    CliRun version = CliRun.of("--version");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out())
        .contains("Exit codes:")
        .contains("3   Key not found.")
        .contains("4   Cluster unavailable")
        .contains("KVSTORE_ENDPOINTS")
        .contains("populate")
        .contains("completion");
    assertThat(version.out()).matches("kvstore \\d+\\.\\d+\\.\\d+.*\\n");
  }

  @Test
  void subcommandHelpShowsItsOwnAndTheGlobalOptions() {
    CliRun help = CliRun.of("get", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: kvstore get").contains("--consistency").contains("--endpoints");
  }

  @Test
  void allHelpExplainsThePagingAndTheJsonDocument() {
    CliRun help = CliRun.of("all", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out())
        .contains("page by page")
        .contains("{\"kvs\":[...],\"count\":N,\"more\":B,\"revision\":R}")
        .contains("At most N entries in total");
  }

  @Test
  void completionPrintsABashScript() {
    CliRun run = CliRun.of("completion");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("complete -F").contains("kvstore").contains("populate");
  }

  @Test
  void statusShowsATableWithUnreachableMembersAndTheClusterId() {
    server.status(StatusResponse.newBuilder()
        .setClusterId("c-123")
        .addMembers(MemberStatus.newBuilder().setId("n1").setRaftAddress("10.0.0.1:6000").setReachable(true)
            .setRole(MemberRole.LEADER).setTerm(3).setLeaderId("n1").setCommitIndex(42).setAppliedIndex(41)
            .setSnapshotIndex(-1))
        .addMembers(MemberStatus.newBuilder().setId("n2").setRaftAddress("10.0.0.2:6000").setReachable(false)
            .setError("deadline exceeded"))
        .build());

    CliRun plain = kvstore("status");
    JsonObject json = json(kvstore("status", "-o", "json"));

    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out().lines().toList())
        .hasSize(4)
        .satisfies(lines -> {
          assertThat(lines.get(0)).matches("ID +RAFT ADDRESS +ROLE +TERM +LEADER +COMMIT +APPLIED +SNAPSHOT +ERROR");
          assertThat(lines.get(1)).matches("n1 +10\\.0\\.0\\.1:6000 +LEADER +3 +n1 +42 +41 +-");
          assertThat(lines.get(2)).matches("n2 +10\\.0\\.0\\.2:6000 +UNREACHABLE .* deadline exceeded");
          assertThat(lines.get(3)).isEqualTo("cluster: c-123");
        });
    assertThat(json.get("cluster_id").getAsString()).isEqualTo("c-123");
    assertThat(json.getAsJsonArray("members")).hasSize(2);
    assertThat(json.getAsJsonArray("members").get(1).getAsJsonObject().get("reachable").getAsBoolean()).isFalse();
  }

  @Test
  void snapshotPrintsTheIndexOfTheChosenNode() {
    put("k", "v");
    try (FakeKvServer other = FakeKvServer.start("n2", store)) {
      CliRun plain = kvstore("snapshot");
      JsonObject json = json(kvstore("snapshot", "--endpoint", other.endpoint(), "-o", "json"));

      assertThat(plain.out()).isEqualTo("snapshot index 1 on n1\n");
      assertThat(json.get("member_id").getAsString()).isEqualTo("n2");
      assertThat(json.get("snapshot_index").getAsLong()).isEqualTo(1);
      assertThat(other.requests("Snapshot")).hasSize(1);
    }
  }

  @Test
  void populateWritesZeroPaddedSampleKeysAndReportsTheRate() {
    CliRun plain = kvstore("populate", "--count", "12", "--prefix", "s/", "--concurrency", "3", "--value-size", "5");
    JsonObject json = json(kvstore("populate", "-o", "json", "--count", "3"));

    assertThat(plain.exitCode()).as(plain.stderr()).isZero();
    assertThat(store.withPrefix("s/")).extracting(kv -> kv.getKey())
        .containsExactly("s/00", "s/01", "s/02", "s/03", "s/04", "s/05", "s/06", "s/07", "s/08", "s/09", "s/10", "s/11");
    assertThat(store.get("s/07").orElseThrow().getValue().size()).isEqualTo(5);
    assertThat(plain.out()).matches("wrote 12 records under s/ in \\d+\\.\\d\\ds \\(\\d+\\.\\d writes/s\\)\\n");
    assertThat(plain.stderr()).contains("populate");
    assertThat(json.get("count").getAsLong()).isEqualTo(3);
    assertThat(json.has("seconds")).isTrue();
    assertThat(json.has("writes_per_second")).isTrue();
    assertThat(store.withPrefix("sample/")).hasSize(3);
  }

  @Test
  void populateStopsAtTheFirstFailureWithItsExitCode() {
    server.failAll(Status.INVALID_ARGUMENT.withDescription("value too large"));

    CliRun run = kvstore("populate", "--count", "50");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("value too large");
    assertThat(server.requests("Put").size()).isLessThan(50);
  }

  @Test
  void outputIsUtf8() {
    kvstore("put", "gruß", "ünïcödé");

    assertThat(kvstore("get", "gruß").stdout()).isEqualTo("ünïcödé\n".getBytes(StandardCharsets.UTF_8));
    assertThat(kvstore("all").out()).isEqualTo("gruß\tünïcödé\n");
  }
}
