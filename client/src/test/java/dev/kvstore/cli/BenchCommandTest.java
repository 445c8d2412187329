package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code kvstore bench} against a fake node: counted runs only, so nothing depends on speed. */
class BenchCommandTest {

  private final FakeCluster cluster = new FakeCluster();
  private final FakeStore store = cluster.store();
  private final FakeKvServer server = cluster.node("n1");

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private CliRun kvstore(String... args) {
    return CliRun.against(server.endpoint(), args);
  }

  @Test
  void aPutLoadWritesRandomKeysOfTheKeySpaceAndPrintsATable() {
    CliRun run = kvstore("bench", "--count", "200", "--warmup", "0", "--concurrency", "8", "--keys", "50",
        "--value-size", "16", "--key-prefix", "b/");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    List<PutRequest> puts = server.requests("Put");
    // A busy machine may retry an attempt (same request id): count the puts, not the attempts.
    assertThat(puts.stream().map(PutRequest::getRequestId).distinct()).hasSize(200);
    assertThat(puts).allSatisfy(put -> {
      assertThat(put.getKey()).matches("b/[0-4][0-9]");
      assertThat(put.getValue().size()).isEqualTo(16);
    });
    assertThat(run.out().lines().toList()).satisfies(lines -> {
      assertThat(lines.get(0)).isEqualTo("mix put, 8 in flight, 50 keys b/*, 16-byte template values, 0s warm-up, 200 requests measured");
      assertThat(lines.get(1)).matches("operation +ops/s +p50 ms +p90 ms +p99 ms +p99\\.9 ms +max ms +ok +failed");
      assertThat(lines.get(2)).matches("put +\\d+\\.\\d( +\\d+\\.\\d\\d){5} +200 +0");
      assertThat(lines.get(3)).startsWith("measured ");
      assertThat(lines.get(4)).matches("message bytes +sent +received +total");
      assertThat(lines.get(5)).matches("on the wire +\\d+ +\\d+ +\\d+");
      assertThat(lines.get(6)).matches("uncompressed +\\d+ +\\d+ +\\d+");
      // Without --compression every message travels as it is.
      assertThat(lines.get(7)).matches("wire/uncompressed +1\\.000 +1\\.000 +1\\.000");
      assertThat(lines.get(8)).matches("wire per request +\\d+\\.\\d +\\d+\\.\\d +\\d+\\.\\d");
      assertThat(lines.get(9)).startsWith("message bytes: gRPC message payloads of the load's 200 requests");
    });
    // One value for every put.
    assertThat(puts.stream().map(PutRequest::getValue).distinct()).hasSize(1);
    assertThat(run.stderr()).contains("bench: mix put").contains(server.endpoint());
  }

  @Test
  void aReadMixPrefillsEveryKeyThenReadsAsAskedInJson() {
    CliRun run = kvstore("-o", "json", "bench", "--mix", "get=1,get-serializable=1", "--count", "100",
        "--warmup", "0", "--keys", "30");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(store.withPrefix("bench/")).hasSize(30);
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("mix").getAsString()).isEqualTo("get=1,get-serializable=1");
    assertThat(json.getAsJsonObject("prefill").get("succeeded").getAsLong()).isEqualTo(30);
    assertThat(json.get("succeeded").getAsLong()).isEqualTo(100);
    assertThat(json.get("failed").getAsLong()).isZero();
    assertThat(json.getAsJsonObject("latency_ms").keySet()).containsExactly("p50", "p90", "p99", "p99_9", "max", "mean");
    assertThat(json.getAsJsonArray("operations")).hasSize(2);
    List<GetRequest> gets = server.requests("Get");
    assertThat(gets).hasSize(100);
    assertThat(gets).extracting(GetRequest::getConsistency)
        .contains(ReadConsistency.LINEARIZABLE, ReadConsistency.SERIALIZABLE);
  }

  @Test
  void printableAndRandomValuesDifferFromPutToPut() {
    CliRun printable = kvstore("bench", "--values", "printable", "--count", "50", "--warmup", "0",
        "--value-size", "64", "--key-prefix", "p/");
    CliRun random = kvstore("bench", "--values", "RANDOM", "--count", "50", "--warmup", "0",
        "--value-size", "64", "--key-prefix", "r/");

    assertThat(printable.exitCode()).as(printable.stderr()).isZero();
    assertThat(random.exitCode()).as(random.stderr()).isZero();
    assertThat(printable.out()).contains("64-byte printable values");
    assertThat(random.out()).contains("64-byte random values");
    List<PutRequest> puts = server.requests("Put");
    List<PutRequest> printablePuts = puts.stream().filter(put -> put.getKey().startsWith("p/")).toList();
    List<PutRequest> randomPuts = puts.stream().filter(put -> put.getKey().startsWith("r/")).toList();
    assertThat(printablePuts.stream().map(PutRequest::getValue).distinct()).hasSize(50);
    assertThat(printablePuts).allSatisfy(put -> assertThat(put.getValue().toStringUtf8()).matches("[a-zA-Z0-9]{64}"));
    assertThat(randomPuts.stream().map(PutRequest::getValue).distinct()).hasSize(50);
    assertThat(randomPuts).anySatisfy(put -> assertThat(put.getValue().toStringUtf8()).doesNotMatch("[a-zA-Z0-9]{64}"));
  }

  @Test
  void theJsonReportCountsTheLoadsMessageBytesEachWay() {
    CliRun run = kvstore("-o", "json", "--compression", "gzip", "bench", "--mix", "mixed", "--values", "template",
        "--count", "100", "--warmup", "0", "--keys", "20", "--value-size", "4096");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("values").getAsString()).isEqualTo("template");
    JsonObject wire = json.getAsJsonObject("wire_bytes");
    assertThat(wire.keySet()).containsExactly("requests", "sent", "sent_uncompressed", "received",
        "received_uncompressed", "sent_ratio", "received_ratio", "ratio", "per_request", "uncompressed_per_request");
    assertThat(wire.get("requests").getAsLong()).isEqualTo(100);
    // About 50 puts of 4 KiB, gzip-compressed on the way out; the fake node answers uncompressed.
    assertThat(wire.get("sent_uncompressed").getAsLong()).isGreaterThan(30 * 4096);
    assertThat(wire.get("sent").getAsLong()).isLessThan(wire.get("sent_uncompressed").getAsLong());
    assertThat(wire.get("sent_ratio").getAsDouble()).isLessThan(1.0);
    assertThat(wire.get("received").getAsLong()).isEqualTo(wire.get("received_uncompressed").getAsLong());
    assertThat(wire.get("per_request").getAsDouble())
        .isEqualTo((wire.get("sent").getAsLong() + wire.get("received").getAsLong()) / 100.0, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void prefillCanBeSkipped() {
    CliRun run = kvstore("bench", "--mix", "get", "--count", "10", "--warmup", "0", "--no-prefill");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(server.requests("Put")).isEmpty();
    assertThat(run.out()).doesNotContain("prefill");
  }

  @Test
  void failuresAreCountedByStatusCode() {
    server.failAll(Status.FAILED_PRECONDITION.withDescription("request id reused"));

    CliRun run = kvstore("-o", "json", "bench", "--count", "5", "--warmup", "0", "--concurrency", "2");

    assertThat(run.exitCode()).isEqualTo(1);
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("succeeded").getAsLong()).isZero();
    assertThat(json.get("failures").toString()).isEqualTo("{\"FAILED_PRECONDITION\":5}");
  }

  @Test
  void anUnreachableClusterExitsWith4() {
    CliRun run = CliRun.of("--endpoints", FakeKvServer.deadEndpoint(), "--timeout", "300ms", "--connect-timeout",
        "300ms", "bench", "--count", "3", "--warmup", "0", "--concurrency", "1");

    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.out()).containsPattern("put +0\\.0( +0\\.00){5} +0 +3");
  }

  @Test
  void badOptionsAreUsageErrorsThatSayWhatIsAllowed() {
    CliRun mix = kvstore("bench", "--mix", "scan");
    CliRun both = kvstore("bench", "--duration", "1s", "--count", "5");
    CliRun zero = kvstore("bench", "--concurrency", "0");
    CliRun warmup = kvstore("bench", "--warmup", "soon");
    CliRun big = kvstore("bench", "--value-size", "2000000");
    CliRun values = kvstore("bench", "--values", "zeros");

    assertThat(mix.exitCode()).isEqualTo(2);
    assertThat(mix.stderr()).contains("--mix: unknown operation 'scan'; use put, get, get-serializable");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.stderr()).contains("--duration and --count exclude each other");
    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(warmup.exitCode()).isEqualTo(2);
    assertThat(big.exitCode()).isEqualTo(2);
    assertThat(big.stderr()).contains("--value-size must be 0 to 1048576 bytes (1 MiB), got 2000000");
    assertThat(values.exitCode()).isEqualTo(2);
    assertThat(values.stderr()).contains("--values: unknown value kind 'zeros'; use template, printable, random");
    assertThat(server.requests("Put")).isEmpty();
  }
}
