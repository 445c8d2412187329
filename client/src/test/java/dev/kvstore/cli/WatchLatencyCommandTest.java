package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kvstore bench watch-latency} against fake nodes: small runs whose counts are checked, never
 * their speed.
 */
class WatchLatencyCommandTest {

  private final FakeCluster cluster = new FakeCluster();
  private final FakeKvServer n1 = cluster.node("n1");
  private final FakeKvServer n2 = cluster.node("n2");

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private CliRun kvstore(String... args) {
    return CliRun.against(n1.endpoint(), args);
  }

  @Test
  void everyWatcherGetsEveryChangeOfItsKeyAndTheReportSaysSo() {
    CliRun run = kvstore("bench", "watch-latency", "--watchers", "20", "--watchers-per-key", "2", "--rate", "200",
        "--warmup", "0", "--duration", "1s", "--key-prefix", "wl/", "--value-size", "64");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    List<WatchRequest> watches = n1.requests("Watch");
    assertThat(watches).hasSize(20);
    assertThat(watches).extracting(WatchRequest::getKey).containsOnly(
        "wl/0", "wl/1", "wl/2", "wl/3", "wl/4", "wl/5", "wl/6", "wl/7", "wl/8", "wl/9");
    List<PutRequest> puts = n1.requests("Put");
    assertThat(puts).isNotEmpty().allSatisfy(put -> {
      assertThat(put.getKey()).matches("wl/[0-9]");
      assertThat(put.getValue().size()).isEqualTo(64);
    });
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo(
        "20 watchers on 10 keys wl/* (2 per key, exact key), 200 puts/s, 64-byte values, 0s warm-up, 1s measured");
    assertThat(lines.get(1)).matches("latency +per s +p50 ms +p90 ms +p99 ms +p99\\.9 ms +max ms +count");
    assertThat(lines.get(2)).matches("delivery +\\d+\\.\\d( +\\d+\\.\\d\\d){5} +\\d+");
    assertThat(lines.get(3)).matches("put +\\d+\\.\\d( +\\d+\\.\\d\\d){5} +\\d+");
    assertThat(lines.get(4)).matches("events: (\\d+) delivered of \\1 expected, 0 missed, 0 duplicated, 0 .*");
    assertThat(lines.get(5)).startsWith("puts: ").contains("0 failed");
    assertThat(run.stderr()).contains("bench watch-latency: 20 watchers").contains("watchers on " + n1.endpoint());
  }

  @Test
  void prefixWatchersSpreadOverTheWatchEndpointsReportInJson() {
    CliRun run = kvstore("-o", "json", "bench", "watch-latency", "--watchers", "6", "--prefix", "--rate", "100",
        "--warmup", "0", "--duration", "1s", "--watch-endpoints", n1.endpoint() + "," + n2.endpoint());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(n1.requests("Watch")).hasSize(3);
    assertThat(n2.requests("Watch")).hasSize(3);
    assertThat(n1.<WatchRequest>requests("Watch")).allSatisfy(watch -> {
      assertThat(watch.getPrefix()).isTrue();
      assertThat(watch.getKey()).matches("bench/watch/[0-5]/");
    });
    assertThat(n1.<PutRequest>requests("Put")).allSatisfy(put -> assertThat(put.getKey()).matches("bench/watch/[0-5]/v"));
    assertThat(n2.requests("Put")).as("puts go through --endpoints").isEmpty();
    JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
    assertThat(json.get("prefix_watches").getAsBoolean()).isTrue();
    assertThat(json.get("complete").getAsBoolean()).isTrue();
    JsonObject events = json.getAsJsonObject("events");
    JsonObject puts = json.getAsJsonObject("puts");
    assertThat(events.get("missed").getAsLong()).isZero();
    assertThat(events.get("delivered").getAsLong()).isEqualTo(puts.get("succeeded").getAsLong()).isPositive();
    assertThat(events.getAsJsonObject("latency_ms").keySet()).containsExactly("p50", "p90", "p99", "p99_9", "max", "mean");
  }

  @Test
  void aNodeThatRefusesWatchersStopsTheRunWithItsReasonBeforeAnyPut() {
    n1.failAfter("Watch", 2, Status.PERMISSION_DENIED.withDescription("no more watch streams"));

    CliRun run = kvstore("bench", "watch-latency", "--watchers", "5", "--warmup", "0", "--duration", "1s");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("error: 1 of 5 watchers were refused, the first with:")
        .contains("PERMISSION_DENIED").contains("no more watch streams");
    assertThat(n1.requests("Put")).isEmpty();
  }

  @Test
  void watchersNeverRegisteredEndTheRunAfterTheRegisterTimeout() {
    n1.hangAll();

    CliRun run = kvstore("--timeout", "300ms", "bench", "watch-latency", "--watchers", "3", "--register-timeout",
        "500ms", "--warmup", "0", "--duration", "1s");

    assertThat(run.exitCode()).isEqualTo(4);
    assertThat(run.stderr()).contains("error: only 0 of 3 watchers were registered within 0.500s")
        .contains("--register-timeout");
    assertThat(n1.requests("Put")).isEmpty();
  }

  @Test
  void badOptionsAreUsageErrorsThatSayWhatIsAllowed() {
    CliRun uneven = kvstore("bench", "watch-latency", "--watchers", "10", "--watchers-per-key", "3");
    CliRun small = kvstore("bench", "watch-latency", "--value-size", "4");
    CliRun rate = kvstore("bench", "watch-latency", "--rate", "0");
    CliRun duration = kvstore("bench", "watch-latency", "--duration", "0");

    assertThat(uneven.exitCode()).isEqualTo(2);
    assertThat(uneven.stderr()).contains("--watchers (10) must be a multiple of --watchers-per-key (3)");
    assertThat(small.exitCode()).isEqualTo(2);
    assertThat(small.stderr()).contains("--value-size must be 8 (the send time) to 1048576 bytes (1 MiB), got 4");
    assertThat(rate.exitCode()).isEqualTo(2);
    assertThat(rate.stderr()).contains("--rate, --connections and --max-in-flight must be at least 1");
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(n1.requests("Watch")).isEmpty();
  }
}
