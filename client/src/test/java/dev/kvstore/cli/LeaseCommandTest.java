package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.PutRequest;
import dev.kvstore.testing.FakeKvServer;
import dev.kvstore.testing.FakeLeaseServer;
import dev.kvstore.testing.FakeStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code kvstore lease ...} and {@code put --lease}: etcdctl's output, hex ids, exit codes. */
class LeaseCommandTest {

  private FakeLeaseServer server;

  @BeforeEach
  void start() throws IOException {
    server = new FakeLeaseServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CliRun kvstore(String... args) {
    return CliRun.against(server.endpoint(), args);
  }

  @Test
  void grantPrintsTheIdInHexAndTheOtherCommandsTakeIt() {
    CliRun grant = kvstore("lease", "grant", "30");
    assertThat(grant.exitCode()).isZero();
    assertThat(grant.out()).matches("lease [0-9a-f]+ granted with TTL\\(30s\\)\n");
    String id = grant.out().split(" ")[1];
    assertThat(server.leases).containsKey(Long.parseLong(id, 16));

    assertThat(kvstore("lease", "timetolive", id, "--keys").out())
        .isEqualTo("lease " + id + " granted with TTL(30s), remaining(30s), attached keys([])\n");
    assertThat(kvstore("lease", "list").out()).isEqualTo("found 1 leases\n" + id + "\n");
    CliRun once = kvstore("lease", "keep-alive", "0x" + id, "--once");
    assertThat(once.exitCode()).isZero();
    assertThat(once.out()).isEqualTo("lease " + id + " keepalived with TTL(30)\n");
    assertThat(kvstore("lease", "revoke", id).out()).isEqualTo("lease " + id + " revoked\n");

    CliRun gone = kvstore("lease", "timetolive", id);
    assertThat(gone.out()).isEqualTo("lease " + id + " already expired\n");
    assertThat(gone.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(kvstore("lease", "revoke", id).exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(kvstore("lease", "keep-alive", id).exitCode()).as("lost at once").isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void jsonOutputCarriesIdsInHex() {
    JsonObject granted = JsonParser.parseString(kvstore("-o", "json", "lease", "grant", "10").out()).getAsJsonObject();
    String id = granted.get("id").getAsString();
    assertThat(granted.get("ttl").getAsLong()).isEqualTo(10);

    JsonObject ttl = JsonParser.parseString(kvstore("-o", "json", "lease", "timetolive", id).out()).getAsJsonObject();
    assertThat(ttl.get("grantedTtl").getAsLong()).isEqualTo(10);
    assertThat(JsonParser.parseString(kvstore("-o", "json", "lease", "list").out()).getAsJsonObject()
        .getAsJsonArray("leases").get(0).getAsString()).isEqualTo(id);
  }

  @Test
  void badIdsAndTtlsAreUsageErrors() {
    CliRun notHex = kvstore("lease", "revoke", "xyz");
    assertThat(notHex.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(notHex.stderr()).contains("not a lease id").contains("hexadecimal");
    assertThat(kvstore("lease", "timetolive", "0").stderr()).contains("not positive");
    CliRun zero = kvstore("lease", "grant", "0");
    assertThat(zero.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(zero.stderr()).contains("ttl is 0").contains("31536000");
    CliRun bare = kvstore("lease");
    assertThat(bare.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(bare.stderr()).contains("grant").contains("keep-alive").contains("timetolive");
    assertThat(server.grants).isEmpty();
  }

  @Test
  void putWithALeaseSendsItsId() {
    try (FakeKvServer kv = FakeKvServer.start("n1", new FakeStore())) {
      CliRun put = CliRun.against(kv.endpoint(), "put", "k", "v", "--lease", "1f");
      assertThat(put.exitCode()).isZero();
      assertThat(kv.<PutRequest>requests("Put")).singleElement()
          .satisfies(r -> assertThat(r.getLease()).isEqualTo(0x1f));
      assertThat(CliRun.against(kv.endpoint(), "put", "k", "v", "--lease", "-5").exitCode())
          .isEqualTo(ExitCodes.USAGE);
    }
  }
}
