package dev.kvstore.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.node.LogCapture;
import dev.kvstore.node.ops.RateLimitedLog;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a guarded service answers when it fails in ways it should not: INTERNAL, and a bounded log. */
class ServiceGuardTest {

  private final CompletableFuture<Throwable> lateReply = new CompletableFuture<>();
  private Server server;
  private ManagedChannel channel;

  /** Put throws, Get throws a status, Delete throws after it has started an answer of its own. */
  private final class FailingService extends KvStoreGrpc.KvStoreImplBase {
    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
      throw new IllegalStateException("boom");
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
      throw Status.FAILED_PRECONDITION.withDescription("not now").asRuntimeException();
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
      CompletableFuture.runAsync(() -> {
        try {
          out.onNext(DeleteResponse.getDefaultInstance());
          out.onCompleted();
          lateReply.complete(null);
        } catch (Throwable t) {
          lateReply.complete(t);
        }
      }, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
      throw new IllegalStateException("failed after scheduling its answer");
    }
  }

  @BeforeEach
  void start() throws IOException {
    ServiceGuard guard = new ServiceGuard(
        new RateLimitedLog(LoggerFactory.getLogger(ServiceGuard.class), Duration.ofMinutes(1), System::nanoTime));
    ServerServiceDefinition failingStart = ServerServiceDefinition.builder("test.Broken")
        .addMethod(KvStoreGrpc.getGetAllMethod().toBuilder().setFullMethodName("test.Broken/GetAll").build(),
            (call, headers) -> {
              throw new IllegalArgumentException("cannot start");
            })
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(guard.wrap(new FailingService()))
        .addService(guard.wrap(failingStart))
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), server.getPort())
        .usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private KvStoreGrpc.KvStoreBlockingStub stub() {
    return KvStoreGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void anUnexpectedExceptionIsAnsweredInternalWithAShortDescription() {
    assertThatThrownBy(() -> stub().put(PutRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("kvstore.KvStore/Put failed inside the node (IllegalStateException: boom);"
                  + " the node's log has the details");
        });
  }

  @Test
  void aStatusThrownByTheServiceIsItsAnswer() {
    assertThatThrownBy(() -> stub().get(GetRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).isEqualTo("not now");
        });
  }

  @Test
  void aHandlerThatCannotStartIsAnsweredInternal() {
    var method = KvStoreGrpc.getGetAllMethod().toBuilder().setFullMethodName("test.Broken/GetAll").build();
    assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel, method,
        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), GetAllRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("IllegalArgumentException: cannot start");
        });
  }

  @Test
  void whatTheServiceSendsAfterTheGuardClosedTheCallIsDropped() throws Exception {
    assertThatThrownBy(() -> stub().delete(DeleteRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));

    // the late answer neither reaches the client nor fails with "call already closed"
    assertThat(lateReply.get(10, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void repeatedFailuresLogOneStackTraceAndNothingFromGrpc() {
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 20; i++) {
        assertThatThrownBy(() -> stub().put(PutRequest.getDefaultInstance()))
            .isInstanceOf(StatusRuntimeException.class);
      }

      List<ILoggingEvent> lines = logs.from(ServiceGuard.class.getName());
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0).getThrowableProxy().getMessage()).isEqualTo("boom");
      assertThat(lines.get(0).getFormattedMessage()).contains("kvstore.KvStore/Put");
      assertThat(logs.from("io.grpc")).isEmpty();
    }
  }
}
