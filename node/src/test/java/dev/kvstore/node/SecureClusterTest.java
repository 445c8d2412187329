package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.Permission;
import dev.kvstore.client.AuthClient;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.auth.AuthSettings;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything on at once, as a production cluster runs: client mTLS, peer TLS, authentication set
 * up from an initial root password. Identities come from passwords (tokens) and from client
 * certificates (their common name), and permissions hold for both, watches included.
 */
class SecureClusterTest {

  @TempDir
  static Path dir;
  static TestCertificates certs;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws IOException {
    certs = TestCertificates.make(dir.resolve("certs"));
    Path rootPassword = Files.writeString(dir.resolve("root-password"), "root-pw\n");
    cluster = TestCluster.start(3, dir.resolve("data"), config -> config
        .withTls(config.tls().withClient(certs.mutualClientTls(config.nodeId()))
            .withPeer(certs.peerTls(config.nodeId())))
        .withAuth(new AuthSettings(Duration.ofMinutes(5), 4, rootPassword)));
    cluster.awaitLeader();
    // Built while authentication may still be off (the leader sets it up): the client then has no
    // token yet, and its first call after the switch is refused, which makes it sign in again.
    try (KvClient root = client().credentials("root", "root-pw").build()) {
      await().atMost(Duration.ofSeconds(20)).until(() -> root.auth().status().getEnabled());
      await().atMost(Duration.ofSeconds(10)).ignoreException(KvClientException.class)
          .until(() -> root.auth().users().contains("root"));
      AuthClient auth = root.auth();
      // alice signs in with her certificate only (its CN is "alice")
      auth.addUserWithoutPassword("alice");
      auth.addRole("app");
      auth.grantPermission("app", AuthClient.onPrefix(Permission.Type.READWRITE, "app/"));
      auth.grantRole("alice", "app");
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A TLS client presenting alice's certificate. */
  private static KvClient.Builder client() {
    return KvClient.builder().endpoints(cluster.endpoints()).requestTimeout(Duration.ofSeconds(20))
        .tls(certs.ca(), certs.cert("alice"), certs.key("alice"));
  }

  @Test
  void aClientCertificateNamingAUserSignsInAsThatUser() throws InterruptedException {
    try (KvClient alice = client().build()) {
      List<WatchResponse> events = new CopyOnWriteArrayList<>();
      try (WatchSubscription watch = alice.watch(WatchOptions.forPrefix("app/"), WatchListener.of(events::add, e -> { }))) {
        assertThat(watch.awaitCreated(Duration.ofSeconds(10))).isTrue();
        alice.put("app/x", "1");
        assertThat(alice.get("app/x").getValue().toStringUtf8()).isEqualTo("1");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.getKey().equals("app/x")));
      }
      assertThatThrownBy(() -> alice.put("other/x", "1"))
          .isInstanceOfSatisfying(KvClientException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getMessage()).contains("user 'alice' may not write key 'other/x'");
          });
    }
  }

  @Test
  void aPasswordSignInOverMtlsActsAsThePasswordsUserNotTheCertificates() {
    // The token names root, the certificate alice: the token decides (as etcd).
    try (KvClient root = client().credentials("root", "root-pw").build()) {
      root.put("other/by-root", "1");
      assertThat(root.auth().users()).contains("alice", "root");
    }
  }

  @Test
  void aWrongPasswordFailsTheClientsStart() {
    assertThatThrownBy(() -> client().credentials("root", "nope").build())
        .isInstanceOfSatisfying(KvClientException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getMessage()).contains("wrong user name or password");
        });
  }
}
