package dev.kvstore.node;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Asks a node's standard gRPC health service whether it is SERVING; exit code 0 if so, 1 if not.
 * Used by the cluster script and as the container healthcheck (exec form, no shell needed):
 * {@code java -cp kvstore-node.jar dev.kvstore.node.HealthProbe [host:port]}.
 */
public final class HealthProbe {

  private HealthProbe() {}

  public static void main(String[] args) throws InterruptedException {
    String target = args.length > 0 ? args[0] : "127.0.0.1:" + NodeConfig.DEFAULT_CLIENT_PORT;
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    int exit;
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      System.out.println(target + " " + status);
      exit = status == ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      System.out.println(target + " " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      exit = 1;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(2, TimeUnit.SECONDS);
    }
    System.exit(exit);
  }
}
