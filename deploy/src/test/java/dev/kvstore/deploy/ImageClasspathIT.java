package dev.kvstore.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image's entry points (deploy/Dockerfile: the node, the CLI, the healthcheck probe)
 * run from exactly the jars the image copies, {@code deploy/target/image/patches} then
 * {@code deploy/target/image/lib}, with this machine's
 * java: a jar missing from the image's runtime classpath fails here in seconds, without Docker,
 * instead of as a container that never starts. (A dependency declared with test scope in deploy/
 * once dropped picocli from the image; an old build's leftover jar hid it on the machine that made
 * the change.)
 */
class ImageClasspathIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir
  Path work;

  private Process node;

  @AfterEach
  void stopNode() {
    if (node != null) {
      node.destroyForcibly();
    }
  }

  @Test
  void nodeCliAndHealthProbeRunFromTheImageJars() throws IOException {
    Path repo = Path.of(System.getProperty("kvstore.repo.root", "..")).toRealPath();
    Path lib = repo.resolve("deploy/target/image/lib");
    Path patches = repo.resolve("deploy/target/image/patches");
    assertThat(lib).isDirectory();
    assertThat(patches).isDirectory();
    // As the Dockerfile's: the patched Ratis classes first (the node refuses to start otherwise).
    String classpath = patches + "/*" + File.pathSeparator + lib + "/*";
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    int clientPort = FreePorts.range(1);
    int raftPort = FreePorts.range(1);
    int metricsPort = FreePorts.range(1);
    String endpoint = "127.0.0.1:" + clientPort;
    ProcessRun run = new ProcessRun(work, Map.of());

    Path nodeOut = work.resolve("node.out");
    Path nodeErr = work.resolve("node.err");
    node = run.start(List.of(java, "-Xmx256m", "-cp", classpath, "dev.kvstore.node.NodeCommand",
        "--node-id", "n1", "--peers", "n1=127.0.0.1:" + raftPort, "--bind-address", "127.0.0.1",
        "--client-port", String.valueOf(clientPort), "--raft-port", String.valueOf(raftPort),
        "--metrics-port", String.valueOf(metricsPort), "--data-dir", work.resolve("data").toString()),
        nodeOut, nodeErr);
    await().atMost(LIMIT).pollInterval(Duration.ofMillis(200))
        .failFast(() -> assertThat(node.isAlive())
            .as("node exited: %s%s", ProcessRun.read(nodeOut), ProcessRun.read(nodeErr)).isTrue())
        .untilAsserted(() -> assertThat(ProcessRun.read(nodeOut) + ProcessRun.read(nodeErr))
            .contains("serving clients on"));

    ProcessRun.Result put = run.run(LIMIT, cli(java, classpath, endpoint, "put", "image/key", "from the image jars"));
    assertThat(put.exitCode()).as(put.toString()).isZero();
    ProcessRun.Result get = run.run(LIMIT, cli(java, classpath, endpoint, "get", "image/key"));
    assertThat(get.exitCode()).as(get.toString()).isZero();
    assertThat(get.stdout()).contains("from the image jars");

    ProcessRun.Result probe = run.run(LIMIT,
        List.of(java, "-cp", classpath, "dev.kvstore.node.HealthProbe", endpoint));
    assertThat(probe.exitCode()).as(probe.toString()).isZero();
    assertThat(probe.stdout()).contains("SERVING");
    assertThat(Files.exists(work.resolve("data"))).isTrue();
  }

  private static List<String> cli(String java, String classpath, String endpoint, String... args) {
    List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, "dev.kvstore.cli.KvCli",
        "--endpoints", endpoint));
    command.addAll(List.of(args));
    return command;
  }
}
