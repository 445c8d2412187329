package dev.kvstore.comparison;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for ports on 127.0.0.1 to be free before a cluster is started on them. The comparison's
 * ports (51051-51053, 52379-52384) lie in Linux's ephemeral range (32768-60999): on a busy machine
 * an outgoing connection of another program may have used one as its local port, and its TIME_WAIT
 * keeps the port from being bound for up to 60 s.
 */
final class LoopbackPorts {

  private static final Logger log = LoggerFactory.getLogger(LoopbackPorts.class);
  private static final Duration PAUSE = Duration.ofSeconds(1);

  private LoopbackPorts() {}

  /**
   * Returns once every port in {@code ports} can be bound on 127.0.0.1.
   *
   * @throws IllegalStateException naming the ports still taken after {@code within}
   */
  static void awaitFree(List<Integer> ports, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    boolean told = false;
    while (true) {
      List<Integer> taken = taken(ports);
      if (taken.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("ports " + taken + " on 127.0.0.1 stayed in use for " + within.toSeconds()
            + " s; free them or choose other port bases (see --help)");
      }
      if (!told) {
        log.info("waiting for ports {} on 127.0.0.1 to be free (in use, perhaps by a connection in TIME_WAIT)", taken);
        told = true;
      }
      Thread.sleep(PAUSE.toMillis());
    }
  }

  private static List<Integer> taken(List<Integer> ports) {
    List<Integer> taken = new ArrayList<>();
    for (int port : ports) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      } catch (IOException inUse) {
        taken.add(port);
      }
    }
    return taken;
  }
}
