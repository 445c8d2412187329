package dev.kvstore.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.node.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verified client certificate's CN reaches the services through the call's context. */
class ClientIdentityTest {

  @TempDir
  Path dir;

  @Test
  void theClientCertificatesCommonNameIsInTheCallContext() throws Exception {
    Path certs = TestCertificates.make(dir.resolve("certs")).dir();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    TlsSettings settings = TlsSettings.OFF.withClient(new ClientTls(certs.resolve("n1.pem"),
        certs.resolve("n1-key.pem"), certs.resolve("ca.pem"), false));
    AtomicReference<Optional<String>> seen = new AtomicReference<>();
    // Runs inside ClientIdentity (added first = innermost), where a service would.
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        seen.set(ClientIdentity.current());
        return next.startCall(call, headers);
      }
    };
    try (TransportSecurity security = TransportSecurity.start(settings, scheduler)) {
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .sslContext(security.clientServerContext().orElseThrow())
          .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), record,
              new ClientIdentity()))
          .build().start();
      try {
        check(server.getPort(), certs, "alice");
        assertThat(seen.get()).contains("alice");
        check(server.getPort(), certs, null);
        assertThat(seen.get()).isEmpty();
      } finally {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** One health check over TLS, with {@code user}'s client certificate or (null) none. */
  private static void check(int port, Path certs, String user) throws Exception {
    var tls = GrpcSslContexts.forClient().trustManager(certs.resolve("ca.pem").toFile());
    if (user != null) {
      tls.keyManager(new File(certs.toFile(), user + ".pem"), new File(certs.toFile(), user + "-key.pem"));
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls.build()).build();
    try {
      HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
