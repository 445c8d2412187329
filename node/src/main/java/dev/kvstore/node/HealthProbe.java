package dev.kvstore.node;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Asks a node's standard gRPC health service whether it is SERVING; exit code 0 if so, 1 if not.
 * Used by the cluster script and as the container healthcheck (exec form, no shell needed):
 * {@code java -cp kvstore-node.jar dev.kvstore.node.HealthProbe [host:port [service]]}; the service
 * name is empty by default (SERVING: the node knows a leader), {@code liveness} asks only whether
 * the node runs (see {@code NodeHealth}). Over TLS when
 * {@code KVSTORE_CACERT} names the CA file (PEM), with the client certificate {@code KVSTORE_CERT}
 * and key {@code KVSTORE_KEY} when the node requires one: the CLI's variables.
 */
public final class HealthProbe {

  private HealthProbe() {}

  public static void main(String[] args) throws InterruptedException, SSLException {
    String target = args.length > 0 ? args[0] : "127.0.0.1:" + NodeConfig.DEFAULT_CLIENT_PORT;
    String service = args.length > 1 ? args[1] : "";
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
    String ca = System.getenv("KVSTORE_CACERT");
    if (ca == null || ca.isBlank()) {
      builder.usePlaintext();
    } else {
      SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(new File(ca));
      String cert = System.getenv("KVSTORE_CERT");
      if (cert != null && !cert.isBlank()) {
        tls.keyManager(new File(cert), new File(System.getenv("KVSTORE_KEY")));
      }
      builder.sslContext(tls.build());
    }
    ManagedChannel channel = builder.build();
    int exit;
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
      System.out.println(target + (service.isEmpty() ? "" : " " + service) + " " + status);
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
