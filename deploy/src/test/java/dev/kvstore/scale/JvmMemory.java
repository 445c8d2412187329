package dev.kvstore.scale;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * What a node's JVM says of its memory through the node's Prometheus endpoint (Micrometer's
 * {@code JvmMemoryMetrics}, see docs/metrics.md), in bytes.
 *
 * @param heapUsed {@code jvm_memory_used_bytes{area="heap"}} over all pools: live objects and
 *     garbage not collected yet
 * @param heapCommitted {@code jvm_memory_committed_bytes{area="heap"}}: what the heap holds from the
 *     operating system (at most -Xmx)
 * @param nonHeapUsed {@code jvm_memory_used_bytes{area="nonheap"}}: metaspace, compressed class
 *     space, code cache
 * @param directUsed {@code jvm_buffer_memory_used_bytes{id="direct"}}: direct byte buffers (Netty's
 *     unpooled ones; Netty's pooled arenas allocate outside this count when they use Unsafe)
 */
record JvmMemory(long heapUsed, long heapCommitted, long nonHeapUsed, long directUsed) {

  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(5);

  /** Scrapes {@code metrics}; empty when the node does not answer or serves no JVM memory metrics. */
  static Optional<JvmMemory> scrape(HttpClient http, URI metrics) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(SCRAPE_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? parse(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Reads the four sums from a scrape in the Prometheus text format; empty when it has no heap figure. */
  static Optional<JvmMemory> parse(String exposition) {
    long heapUsed = 0;
    long heapCommitted = 0;
    long nonHeapUsed = 0;
    long directUsed = 0;
    boolean found = false;
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        heapUsed += value;
        found = true;
      } else if (line.startsWith("jvm_memory_committed_bytes{") && line.contains("area=\"heap\"")) {
        heapCommitted += value;
      } else if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"nonheap\"")) {
        nonHeapUsed += value;
      } else if (line.startsWith("jvm_buffer_memory_used_bytes{") && line.contains("id=\"direct\"")) {
        directUsed += value;
      }
    }
    return found ? Optional.of(new JvmMemory(heapUsed, heapCommitted, nonHeapUsed, directUsed)) : Optional.empty();
  }
}
