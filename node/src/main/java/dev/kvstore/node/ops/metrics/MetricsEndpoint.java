package dev.kvstore.node.ops.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's metrics over HTTP, with the JDK's own server (no web framework): {@code GET /metrics}
 * answers in the Prometheus text format 0.0.4, {@code GET /} says where the metrics are; other
 * paths are 404, other methods 405. One thread serves scrapes, one at a time: Prometheus scrapes
 * every few seconds, and a scrape takes a few milliseconds.
 */
final class MetricsEndpoint implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Listens on {@code address} and serves {@code registry}.
   *
   * @throws IOException naming the address when it cannot be bound (a port in use, say)
   */
  static MetricsEndpoint start(InetSocketAddress address, PrometheusMeterRegistry registry, String nodeId)
      throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new IOException("cannot serve metrics on " + address.getHostString() + ":" + address.getPort() + ": "
          + e.getMessage(), e);
    }
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, nodeId + "-metrics-http");
      t.setDaemon(true);
      return t;
    };
    ExecutorService executor = Executors.newSingleThreadExecutor(threads);
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> answer(exchange, "/metrics", registry::scrape, CONTENT_TYPE));
    server.createContext("/", exchange -> answer(exchange, "/",
        () -> "kvstore node " + nodeId + ": Prometheus metrics at /metrics\n", "text/plain; charset=utf-8"));
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  /** The port it listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, String path, Supplier<String> body, String contentType) {
    try {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals(path)) {
        send(exchange, 404, "no such page; metrics are at /metrics\n", "text/plain; charset=utf-8", method);
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "only GET and HEAD are allowed\n", "text/plain; charset=utf-8", method);
      } else {
        send(exchange, 200, body.get(), contentType, method);
      }
    } catch (IOException | RuntimeException e) {
      // The scraper went away or a gauge failed: the next scrape is another chance.
      LOG.debug("metrics request {} failed: {}", exchange.getRequestURI(), e.toString());
    } finally {
      exchange.close();
    }
  }

  private static void send(HttpExchange exchange, int status, String body, String contentType, String method)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Stops listening; a scrape under way is cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
