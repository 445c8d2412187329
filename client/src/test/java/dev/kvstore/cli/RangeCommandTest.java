package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeStore;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code kvstore range}, and {@code kvstore all --start-after}, against a fake node. */
class RangeCommandTest {

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

  private void populate(String prefix, int count) {
    for (int i = 0; i < count; i++) {
      put(prefix + String.format(Locale.ROOT, "%05d", i), "v" + i);
    }
  }

  @Test
  void readsAKeyAPrefixAnIntervalAndEverythingFromAKey() {
    put("a", "1");
    put("b/1", "2");
    put("b/2", "3");
    put("c", "4");

    assertThat(kvstore("range", "b/1").out()).isEqualTo("b/1\t2\n");
    assertThat(kvstore("range", "b/", "--prefix").out()).isEqualTo("b/1\t2\nb/2\t3\n");
    assertThat(kvstore("range", "a", "b/2").out()).isEqualTo("a\t1\nb/1\t2\n");
    assertThat(kvstore("range", "b/2", "--from-key").out()).isEqualTo("b/2\t3\nc\t4\n");
    assertThat(kvstore("range", "", "--prefix", "--keys-only").out()).isEqualTo("a\nb/1\nb/2\nc\n");
    assertThat(kvstore("range", "", "--prefix", "--count-only").out()).isEqualTo("4\n");
    assertThat(kvstore("range", "zz").out()).isEmpty();
  }

  @Test
  void sortsAndPassesEveryOption() {
    put("a", "2");
    put("b", "3");
    put("c", "1");

    CliRun run = kvstore("range", "", "--prefix", "--sort-by", "value", "--order", "descend", "--consistency",
        "serializable", "--rev", "3");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.out()).isEqualTo("b\t3\na\t2\nc\t1\n");
    RangeRequest sent = server.<RangeRequest>requests("Range").get(0);
    assertThat(sent.getSortTarget()).isEqualTo(SortTarget.VALUE);
    assertThat(sent.getSortOrder()).isEqualTo(SortOrder.DESCEND);
    assertThat(sent.getConsistency()).isEqualTo(ReadConsistency.SERIALIZABLE);
    assertThat(sent.getRevision()).isEqualTo(3);
  }

  @Test
  void pagesThroughEveryEntryAtOneRevisionUnlessLimited() {
    populate("p/", 25_000);
    put("pz", "not under p/");

    CliRun all = kvstore("range", "p/", "--prefix");
    CliRun cut = kvstore("range", "p/", "--prefix", "--limit", "12000");

    assertThat(all.exitCode()).as(all.stderr()).isZero();
    assertThat(all.stderr()).isEmpty();
    assertThat(all.out().lines().toList()).hasSize(25_000)
        .startsWith("p/00000\tv0")
        .endsWith("p/24999\tv24999")
        .isSorted()
        .doesNotHaveDuplicates();
    List<RangeRequest> requests = server.requests("Range");
    assertThat(requests.subList(0, 3)).extracting(r -> r.getPageToken().isEmpty()).containsExactly(true, false, false);
    assertThat(cut.out().lines().toList()).hasSize(12_000).endsWith("p/11999\tv11999");
    assertThat(cut.stderr()).isEqualTo("(12000 of 25000 entries shown: --limit reached; --limit 0 lists them all)\n");
  }

  @Test
  void jsonIsOneDocumentOverEveryPage() {
    populate("p/", 12_000);

    JsonObject all = json(kvstore("-o", "json", "range", "p/", "--prefix"));
    JsonObject cut = json(kvstore("-o", "json", "range", "p/", "--prefix", "--limit", "5"));
    JsonObject count = json(kvstore("-o", "json", "range", "p/", "--prefix", "--count-only"));

    assertThat(all.getAsJsonArray("kvs")).hasSize(12_000);
    assertThat(all.get("count").getAsLong()).isEqualTo(12_000);
    assertThat(all.get("more").getAsBoolean()).isFalse();
    assertThat(all.get("revision").getAsLong()).isEqualTo(12_000);
    assertThat(cut.getAsJsonArray("kvs")).hasSize(5);
    assertThat(cut.get("more").getAsBoolean()).isTrue();
    assertThat(count.keySet()).containsExactly("count", "revision");
    assertThat(count.get("count").getAsLong()).isEqualTo(12_000);
  }

  @Test
  void badArgumentsAreUsageErrorsAndUnreadableRevisionsErrors() {
    CliRun[] usage = {
      kvstore("range"),
      kvstore("range", "a", "b", "--prefix"),
      kvstore("range", "a", "--prefix", "--from-key"),
      kvstore("range", "a", "--limit", "-1"),
      kvstore("range", "a", "--rev", "-2"),
      kvstore("range", "a", "--sort-by", "size"),
      kvstore("range", "a", "--order", "random"),
      kvstore("range", "b", "a"),
      kvstore("range", ""),
    };
    for (CliRun run : usage) {
      assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
      assertThat(run.stderr()).startsWith("error: ").doesNotContain("\tat ");
      assertThat(run.stderr().lines()).as(run.stderr()).hasSize(1);
      assertThat(run.out()).isEmpty();
    }
    put("a", "1");
    CliRun future = kvstore("range", "a", "--rev", "99");
    assertThat(future.exitCode()).isEqualTo(1);
    assertThat(future.stderr()).contains("OUT_OF_RANGE");
  }

  @Test
  void allGoesOnAfterAKey() {
    populate("p/", 5);

    CliRun run = kvstore("all", "--prefix", "p/", "--start-after", "p/00002");

    assertThat(run.out()).isEqualTo("p/00003\tv3\np/00004\tv4\n");
    assertThat(server.<GetAllRequest>requests("GetAll").get(0).getStartAfter()).isEqualTo("p/00002");
  }
}
