package dev.kvstore.scale;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.ReadConsistency;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Polls one node that was just started until it serves: asks its gRPC health service, and reads a
 * key linearizably from exactly that node (one channel to its endpoint, no client failover) until
 * the value written before the restart comes back. Every poll reconnects at once: gRPC would
 * otherwise back off for up to seconds after the refused connections of a node still starting.
 */
final class RestartProbe {

  private static final Duration PAUSE = Duration.ofMillis(50);
  private static final Duration HEALTH_DEADLINE = Duration.ofMillis(500);
  private static final Duration GET_DEADLINE = Duration.ofSeconds(1);

  /**
   * When the node first answered, as instants (empty: not within the time given).
   *
   * @param serving first health answer SERVING (the node knows a leader)
   * @param readable first linearizable get that returned the expected value
   * @param lastProblem what the last failed get said, for a report when it never succeeded
   */
  record Timing(Optional<Instant> serving, Optional<Instant> readable, String lastProblem) {}

  private final String endpoint;

  RestartProbe(String endpoint) {
    this.endpoint = endpoint;
  }

  /** Polls until the node served {@code key} with {@code expected} and said SERVING, or until {@code within} passed. */
  Timing await(String key, ByteString expected, Duration within) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      Instant serving = null;
      Instant readable = null;
      String problem = "not asked yet";
      long deadline = System.nanoTime() + within.toNanos();
      while ((serving == null || readable == null) && System.nanoTime() < deadline) {
        channel.resetConnectBackoff();
        if (serving == null && isServing(channel)) {
          serving = Instant.now();
        }
        if (readable == null) {
          try {
            GetResponse response = KvStoreGrpc.newBlockingStub(channel)
                .withDeadlineAfter(GET_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .get(GetRequest.newBuilder().setKey(key).setConsistency(ReadConsistency.LINEARIZABLE).build());
            if (response.getFound() && response.getValue().equals(expected)) {
              readable = Instant.now();
            } else {
              problem = response.getFound() ? "another value" : "key not found";
            }
          } catch (StatusRuntimeException e) {
            problem = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                : ": " + e.getStatus().getDescription());
          }
        }
        if (serving == null || readable == null) {
          Thread.sleep(PAUSE.toMillis());
        }
      }
      return new Timing(Optional.ofNullable(serving), Optional.ofNullable(readable), problem);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private static boolean isServing(ManagedChannel channel) {
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(HEALTH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }
}
