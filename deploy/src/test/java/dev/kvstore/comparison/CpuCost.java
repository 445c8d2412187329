package dev.kvstore.comparison;

import java.time.Duration;

/**
 * What one request of a run cost in CPU time, in microseconds: on the servers (all members added
 * up) and in the load generator (the client library, its threads, the load loop, the JVM's own
 * threads). Both sides of a comparison share the machine's cores, so a system whose client costs
 * more leaves less CPU to its servers.
 *
 * @param serverMicros    server CPU time per request, µs
 * @param generatorMicros load generator CPU time per request, µs
 */
record CpuCost(double serverMicros, double generatorMicros) {

  /**
   * The cost per request of a run that used {@code server} and {@code generator} CPU time for
   * {@code requests} requests (warm-up included: the CPU time covers it too).
   *
   * @throws IllegalArgumentException when {@code requests} is not positive
   */
  static CpuCost perRequest(Duration server, Duration generator, long requests) {
    if (requests <= 0) {
      throw new IllegalArgumentException("a run of " + requests + " requests has no cost per request");
    }
    return new CpuCost(micros(server) / requests, micros(generator) / requests);
  }

  private static double micros(Duration duration) {
    return duration.toNanos() / 1000.0;
  }
}
