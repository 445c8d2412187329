package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The README's Security section with the local cluster script, end to end: {@code
 * KVSTORE_TLS_DIR} and {@code KVSTORE_ROOT_PASSWORD_FILE} start three real node processes with
 * client mTLS, peer TLS and authentication; root (by its client certificate) gives alice a
 * prefix; alice writes there and is refused elsewhere; a plaintext client, a client of another CA
 * and a wrong password are refused, each with its exit code and message.
 */
class SecureLocalClusterScriptIT {

  private static final Logger LOG = LoggerFactory.getLogger(SecureLocalClusterScriptIT.class);
  private static final Duration LIMIT = Duration.ofSeconds(120);
  private static final String ROOT_PASSWORD = "root-password-of-the-test";

  @TempDir
  static Path dir;
  static Path certs;
  static ProcessRun shell;

  @BeforeAll
  static void up() throws IOException {
    Path repo = Path.of(System.getProperty("kvstore.repo.root", "..")).toRealPath();
    int clientBase = FreePorts.range(3);
    int raftBase = FreePorts.range(3);
    while (Math.abs(raftBase - clientBase) < 3) {
      raftBase = FreePorts.range(3);
    }
    certs = dir.resolve("certs");
    Path password = dir.resolve("root-password");
    Files.writeString(password, ROOT_PASSWORD + "\n");
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      endpoints.add("127.0.0.1:" + (clientBase + i));
    }
    shell = new ProcessRun(repo, Map.of(
        "KVSTORE_CLUSTER_DIR", dir.resolve("cluster").toString(),
        "KVSTORE_CLIENT_PORT_BASE", String.valueOf(clientBase),
        "KVSTORE_RAFT_PORT_BASE", String.valueOf(raftBase),
        "KVSTORE_METRICS_PORT_BASE", "0",
        "KVSTORE_TLS_DIR", certs.toString(),
        "KVSTORE_ROOT_PASSWORD_FILE", password.toString(),
        "KVSTORE_ENDPOINTS", String.join(",", endpoints)));
    ProcessRun.Result up = shell.run(LIMIT, List.of("deploy/local-cluster.sh", "up"));
    assertThat(up.exitCode()).as(up.toString()).isZero();
    assertThat(up.stdout()).contains("serving: n1 n2 n3").contains("auth:      enabled");
  }

  @AfterAll
  static void clean() {
    if (shell != null) {
      LOG.info("clean: {}", shell.run(LIMIT, List.of("deploy/local-cluster.sh", "clean")));
    }
  }

  /** The CLI with the CA and the client certificate of {@code client} (root, alice, other-client). */
  private static ProcessRun.Result cli(String client, String... args) {
    List<String> command = new ArrayList<>(List.of("deploy/kvstore", "--timeout", "10s"));
    if (client != null) {
      command.addAll(List.of("--cacert", certs.resolve("ca.pem").toString(),
          "--cert", certs.resolve(client + ".pem").toString(), "--key", certs.resolve(client + "-key.pem").toString()));
    }
    command.addAll(List.of(args));
    return shell.run(LIMIT, command);
  }

  @Test
  void rootGivesAlicePrefixAndEveryoneElseIsRefused() {
    ProcessRun.Result status = shell.run(LIMIT, List.of("deploy/local-cluster.sh", "status"));
    assertThat(status.stdout()).as(status.toString()).contains("LEADER");

    assertThat(cli("root", "role", "add", "app").exitCode()).isZero();
    assertThat(cli("root", "role", "grant", "app", "readwrite", "app/", "--prefix").exitCode()).isZero();
    assertThat(cli("root", "user", "add", "alice", "--new-password", "alice-pw").exitCode()).isZero();
    assertThat(cli("root", "user", "grant-role", "alice", "app").exitCode()).isZero();

    ProcessRun.Result put = cli("alice", "--user", "alice:alice-pw", "put", "app/greeting", "hello");
    assertThat(put.exitCode()).as(put.toString()).isZero();
    ProcessRun.Result get = cli("alice", "get", "app/greeting");
    assertThat(get.stdout().trim()).as(get.toString()).isEqualTo("hello");

    ProcessRun.Result elsewhere = cli("alice", "--user", "alice:alice-pw", "put", "other/key", "no");
    assertThat(elsewhere.exitCode()).as(elsewhere.toString()).isEqualTo(1);
    assertThat(elsewhere.stderr()).contains("PERMISSION_DENIED").contains("'other/key'");

    ProcessRun.Result wrongPassword = cli("root", "--user", "root:not-the-password", "get", "app/greeting");
    assertThat(wrongPassword.exitCode()).as(wrongPassword.toString()).isEqualTo(1);
    assertThat(wrongPassword.stderr()).contains("UNAUTHENTICATED (wrong user name or password)");

    ProcessRun.Result plaintext = cli(null, "get", "app/greeting");
    assertThat(plaintext.exitCode()).as(plaintext.toString()).isEqualTo(4);
    assertThat(plaintext.stderr()).contains("it may require TLS");

    ProcessRun.Result otherCa = cli("other-client", "get", "app/greeting");
    assertThat(otherCa.exitCode()).as(otherCa.toString()).isEqualTo(4);
    assertThat(otherCa.stderr()).contains("requires a client certificate signed by a CA it trusts");

    ProcessRun.Result rootByPassword = cli("root", "--user", "root:" + ROOT_PASSWORD, "user", "list");
    assertThat(rootByPassword.stdout().lines()).as(rootByPassword.toString()).contains("alice", "root");
  }
}
