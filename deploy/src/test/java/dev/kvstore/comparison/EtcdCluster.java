package dev.kvstore.comparison;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 3-member etcd cluster on 127.0.0.1, as child processes with their data under one folder, in
 * etcd's default, production-like settings (every commit fsynced: no {@code --unsafe-no-fsync}).
 * Member i (0, 1, 2) serves clients on {@code clientPortBase + 2i} and peers on the port after it.
 * Closing stops every member (SIGTERM, then SIGKILL after 10 s); the folder is the caller's.
 */
final class EtcdCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);
  private static final int MEMBERS = 3;
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  // A port may be taken between the check for free ports and etcd's bind (see LoopbackPorts): a
  // member that could not bind is started again, a few times.
  private static final int BIND_ATTEMPTS = 5;
  private static final Duration PORTS_FREE_WITHIN = Duration.ofSeconds(75);

  private final String etcd;
  private final Path dir;
  private final int clientPortBase;
  private final String token = "kvstore-comparison-" + UUID.randomUUID();
  private final List<Process> members = new ArrayList<>();

  private EtcdCluster(String etcd, Path dir, int clientPortBase) {
    this.etcd = etcd;
    this.dir = dir;
    this.clientPortBase = clientPortBase;
  }

  /**
   * Starts the members and waits until every one reports itself healthy (a leader elected).
   *
   * @param etcd the etcd binary
   * @param dir a folder of its own for data and logs
   * @throws IllegalStateException when a member exits, its ports stay taken, or the cluster is not
   *     healthy within 60 s
   */
  static EtcdCluster start(String etcd, Path dir, int clientPortBase) throws IOException, InterruptedException {
    EtcdCluster cluster = new EtcdCluster(etcd, dir, clientPortBase);
    try {
      Files.createDirectories(dir);
      LoopbackPorts.awaitFree(IntStream.range(clientPortBase, clientPortBase + 2 * MEMBERS).boxed().toList(),
          PORTS_FREE_WITHIN);
      for (int i = 0; i < MEMBERS; i++) {
        cluster.members.add(cluster.startMember(i));
      }
      cluster.awaitHealthy();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The client URLs, as jetcd takes them. */
  List<String> endpoints() {
    return IntStream.range(0, MEMBERS).mapToObj(i -> "http://127.0.0.1:" + clientPort(i)).toList();
  }

  private int clientPort(int member) {
    return clientPortBase + 2 * member;
  }

  private int peerPort(int member) {
    return clientPortBase + 2 * member + 1;
  }

  private static String name(int member) {
    return "e" + (member + 1);
  }

  private Process startMember(int member) throws IOException {
    String initialCluster = IntStream.range(0, MEMBERS)
        .mapToObj(i -> name(i) + "=http://127.0.0.1:" + peerPort(i))
        .collect(Collectors.joining(","));
    String clientUrl = "http://127.0.0.1:" + clientPort(member);
    String peerUrl = "http://127.0.0.1:" + peerPort(member);
    List<String> command = List.of(etcd,
        "--name", name(member),
        "--data-dir", dir.resolve(name(member)).toString(),
        "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl,
        "--listen-peer-urls", peerUrl,
        "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", initialCluster,
        "--initial-cluster-token", token,
        "--initial-cluster-state", "new",
        "--logger", "zap",
        "--log-outputs", "stderr");
    Path logFile = dir.resolve(name(member) + ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(logFile.toFile())
        .start();
    log.info("etcd {} started: pid {}, client {}, peer {}, log {}", name(member), process.pid(), clientUrl, peerUrl, logFile);
    return process;
  }

  private void awaitHealthy() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    int[] starts = new int[MEMBERS];
    Arrays.fill(starts, 1);
    for (int i = 0; i < MEMBERS; i++) {
      URI health = URI.create(endpoints().get(i) + "/health");
      while (!healthy(http, health)) {
        for (int m = 0; m < members.size(); m++) {
          if (!members.get(m).isAlive()) {
            restartAfterBindFailure(m, starts);
            deadline = System.nanoTime() + READY_WITHIN.toNanos();
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd not healthy within " + READY_WITHIN.toSeconds() + " s at " + health
              + "; see the logs in " + dir);
        }
        Thread.sleep(200);
      }
    }
    log.info("etcd cluster healthy: {}", String.join(",", endpoints()));
  }

  /**
   * Starts member {@code m} again, once its ports are free, when it exited because a port was
   * taken, at most {@value #BIND_ATTEMPTS} times in all.
   *
   * @throws IllegalStateException when it exited for another reason, or too often
   */
  private void restartAfterBindFailure(int m, int[] starts) throws IOException, InterruptedException {
    String end = tail(dir.resolve(name(m) + ".log"));
    if (!end.contains("address already in use") || starts[m] >= BIND_ATTEMPTS) {
      throw new IllegalStateException("etcd " + name(m) + " exited with " + members.get(m).exitValue()
          + "; the end of its log: " + end);
    }
    log.info("etcd {} could not bind its port; starting it again once its ports are free", name(m));
    starts[m]++;
    LoopbackPorts.awaitFree(List.of(clientPort(m), peerPort(m)), PORTS_FREE_WITHIN);
    FolderTree.delete(dir.resolve(name(m)));
    members.set(m, startMember(m));
  }

  /** The last lines of a member's log (the folder may be deleted before anyone reads it). */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static boolean healthy(HttpClient http, URI health) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().replace(" ", "").contains("\"health\":\"true\"");
    } catch (IOException notYet) {
      return false;
    }
  }

  /** The members' processes, to measure their CPU time. */
  List<ProcessHandle> processes() {
    return members.stream().map(Process::toHandle).toList();
  }

  @Override
  public void close() {
    members.forEach(Process::destroy);
    for (Process member : members) {
      try {
        if (!member.waitFor(10, TimeUnit.SECONDS)) {
          member.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        member.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    members.clear();
  }
}
