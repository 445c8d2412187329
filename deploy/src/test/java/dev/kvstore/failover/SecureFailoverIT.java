package dev.kvstore.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.Permission;
import dev.kvstore.client.AuthClient;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One failover scenario with security on (issue 9): the three node containers speak mTLS to
 * clients and TLS to each other, and authentication is on from the start (root's password from
 * {@code --initial-root-password-file}, as docker-compose.secure.yml sets it up). The workloads
 * run as alice, who may read and write only the scenario's prefix; the observer, the watchers of
 * the whole store and the replay run as root. The scenario and its checks are the plain suite's
 * kill-leader ({@link ContainerFailoverIT#killTheLeaderThenRestartIt(FaultRun, ContainerCluster)}):
 * linearizability, no lost acknowledged write, watch order, the whole-store model and the watch
 * guarantees; a restarted leader must take its peers' TLS and the clients' tokens again.
 */
class SecureFailoverIT {

  private static final String SCENARIO = "secure-kill-leader";
  private static final String WORKLOAD_USER = "alice";
  private static final String WORKLOAD_PASSWORD = "alice-failover-password";

  @TempDir
  static Path certificates;
  static ContainerCluster cluster;
  static ClusterSecrets secrets;
  static Path reportDir;

  @BeforeAll
  static void startCluster() throws IOException {
    Path repo = ContainerFailoverIT.requireDockerAndRepository();
    reportDir = repo.resolve("deploy/target/failover");
    secrets = ClusterSecrets.make(repo.resolve("deploy"), certificates);
    cluster = ContainerCluster.startSecure(repo.resolve("deploy"), ContainerFailoverIT.baseImage(repo), secrets);
    try (KvClient root = await().atMost(Duration.ofSeconds(90)).ignoreException(KvClientException.class)
        .until(SecureFailoverIT::rootOnceAuthIsOn, c -> c != null)) {
      AuthClient auth = root.auth();
      auth.addRole("failover");
      auth.grantPermission("failover", AuthClient.onPrefix(Permission.Type.READWRITE, SCENARIO + "/"));
      auth.addUser(WORKLOAD_USER, WORKLOAD_PASSWORD);
      auth.grantRole(WORKLOAD_USER, "failover");
    }
  }

  /**
   * A client signed in as root, once the first leader has enabled authentication (a client signs in
   * only when it is built, and only if authentication is on); null before.
   */
  private static KvClient rootOnceAuthIsOn() {
    KvClient root = cluster.access().builder(cluster.endpoints()).requestTimeout(Duration.ofSeconds(10)).build();
    try {
      if (root.auth().status().getEnabled()) {
        return root;
      }
    } catch (KvClientException e) {
      root.close();
      throw e;
    }
    root.close();
    return null;
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killTheLeaderWithTlsAndAuthOn() throws Exception {
    ClientAccess workload = secrets.user(WORKLOAD_USER, WORKLOAD_PASSWORD);
    assertRefusedBeforeTheRun(workload);
    try (FaultRun run = new FaultRun(SCENARIO, cluster, workload, reportDir, SCENARIO.hashCode()).begin()) {
      ContainerFailoverIT.assertChecksPass(ContainerFailoverIT.killTheLeaderThenRestartIt(run, cluster),
          ContainerFailoverIT.SINGLE_FAULT_BOUND_MS);
    }
  }

  /** What the run relies on is really shut: a plaintext client, a user outside its prefix. */
  private static void assertRefusedBeforeTheRun(ClientAccess workload) {
    try (KvClient plaintext = ClientAccess.PLAINTEXT.builder(cluster.endpoints())
        .requestTimeout(Duration.ofSeconds(5)).build()) {
      KvClientException refused = catchThrowableOfType(KvClientException.class, () -> plaintext.get("x"));
      assertThat(refused).as("a plaintext client").isNotNull();
      assertThat(refused.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(refused.getMessage()).contains("require TLS");
    }
    try (KvClient alice = workload.builder(cluster.endpoints()).requestTimeout(Duration.ofSeconds(10)).build()) {
      alice.put(SCENARIO + "/allowed", "yes");
      KvClientException denied = catchThrowableOfType(KvClientException.class, () -> alice.put("elsewhere", "no"));
      assertThat(denied).as("a write outside alice's prefix").isNotNull();
      assertThat(denied.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
  }
}
