package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private static final String ROOT_PASSWORD = "root-password-of-the-test";

  @TempDir
  static Path dir;
  static Path certs;
  static ScriptedCluster cluster;

  @BeforeAll
  static void up() throws IOException {
    certs = dir.resolve("certs");
    Path password = dir.resolve("root-password");
    Files.writeString(password, ROOT_PASSWORD + "\n");
    cluster = ScriptedCluster.in(dir.resolve("cluster"), 3, Map.of(
        "KVSTORE_TLS_DIR", certs.toString(),
        "KVSTORE_ROOT_PASSWORD_FILE", password.toString()));
    ProcessRun.Result up = cluster.script("up");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    assertThat(up.stdout()).contains("serving: n1 n2 n3").contains("auth:      enabled");
  }

  @AfterAll
  static void clean() {
    if (cluster != null) {
      LOG.info("clean: {}", cluster.script("clean"));
    }
  }

  /** The CLI with the CA and the client certificate of {@code client} (root, alice, other-client). */
  private static ProcessRun.Result cli(String client, String... args) {
    List<String> command = new ArrayList<>(List.of("--timeout", "10s"));
    if (client != null) {
      command.addAll(List.of("--cacert", certs.resolve("ca.pem").toString(),
          "--cert", certs.resolve(client + ".pem").toString(), "--key", certs.resolve(client + "-key.pem").toString()));
    }
    command.addAll(List.of(args));
    return cluster.cli(command.toArray(String[]::new));
  }

  @Test
  void rootGivesAlicePrefixAndEveryoneElseIsRefused() {
    ProcessRun.Result status = cluster.script("status");
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
