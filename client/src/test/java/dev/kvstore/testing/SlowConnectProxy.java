package dev.kvstore.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a node whose connections become usable only after a delay: it accepts at
 * once and starts relaying bytes (both ways) {@code delay} later, like a node reached over a slow
 * network or a client machine too busy to finish its handshake quickly.
 */
public final class SlowConnectProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int targetPort;
  private final Duration delay;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public SlowConnectProxy(String targetEndpoint, Duration delay) {
    this.targetPort = Integer.parseInt(targetEndpoint.substring(targetEndpoint.lastIndexOf(':') + 1));
    this.delay = delay;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    daemon("slow-proxy-accept", this::acceptForever);
  }

  public String endpoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void acceptForever() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        daemon("slow-proxy-connect", () -> relayAfterDelay(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void relayAfterDelay(Socket client) {
    try {
      // The slowness being simulated, not a wait for a condition.
      Thread.sleep(delay.toMillis());
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      sockets.add(upstream);
      daemon("slow-proxy-up", () -> pipe(client, upstream));
      daemon("slow-proxy-down", () -> pipe(upstream, client));
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private static void pipe(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // One side closed: close the other too.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(SlowConnectProxy::closeQuietly);
  }
}
