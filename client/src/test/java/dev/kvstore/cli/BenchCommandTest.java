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
      assertThat(lines.get(0)).isEqualTo("mix put, 8 in flight, 50 keys b/*, 16-byte values, 0s warm-up, 200 requests measured");
      assertThat(lines.get(1)).matches("operation +ops/s +p50 ms +p90 ms +p99 ms +p99\\.9 ms +max ms +ok +failed");
      assertThat(lines.get(2)).matches("put +\\d+\\.\\d( +\\d+\\.\\d\\d){5} +200 +0");
      assertThat(lines.get(3)).startsWith("measured ");
    });
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

    assertThat(mix.exitCode()).isEqualTo(2);
    assertThat(mix.stderr()).contains("--mix: unknown operation 'scan'; use put, get, get-serializable");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.stderr()).contains("--duration and --count exclude each other");
    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(warmup.exitCode()).isEqualTo(2);
    assertThat(big.exitCode()).isEqualTo(2);
    assertThat(big.stderr()).contains("--value-size must be 0 to 1048576 bytes (1 MiB), got 2000000");
    assertThat(server.requests("Put")).isEmpty();
  }
}
