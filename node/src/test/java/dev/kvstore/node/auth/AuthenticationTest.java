package dev.kvstore.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.statemachine.auth.AuthStore;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The interceptor on its own, with authentication off in the node's applied state. */
class AuthenticationTest {

  private final AuthStore store = new AuthStore();
  private final AtomicBoolean caughtUp = new AtomicBoolean();
  private final Authentication authentication = new Authentication(store::current, caughtUp::get, "n1",
      new AuthTokens(Clock.systemUTC(), Duration.ofMinutes(5)), Optional::empty);

  @Test
  void aNodeThatHasNotCaughtUpSinceItStartedRefusesCallsWhileAuthLooksOff() {
    RecordingCall<?, ?> put = intercept(KvStoreGrpc.getPutMethod());
    assertThat(put.started).isFalse();
    assertThat(put.closed.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(put.closed.getDescription()).contains("node n1 has not caught up").contains("retry on another node");

    assertThat(intercept(HealthGrpc.getCheckMethod()).started).as("health checks are open").isTrue();
  }

  @Test
  void onceCaughtUpAuthOffMeansEveryCallPasses() {
    caughtUp.set(true);
    RecordingCall<?, ?> put = intercept(KvStoreGrpc.getPutMethod());
    assertThat(put.started).isTrue();
    assertThat(put.closed).isNull();
  }

  private <Q, A> RecordingCall<Q, A> intercept(MethodDescriptor<Q, A> method) {
    RecordingCall<Q, A> call = new RecordingCall<>(method);
    authentication.interceptCall(call, new Metadata(), (c, headers) -> {
      call.started = true;
      return new ServerCall.Listener<>() {};
    });
    return call;
  }

  private static final class RecordingCall<Q, A> extends ServerCall<Q, A> {
    private final MethodDescriptor<Q, A> method;
    boolean started;
    Status closed;

    RecordingCall(MethodDescriptor<Q, A> method) {
      this.method = method;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(A message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      closed = status;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<Q, A> getMethodDescriptor() {
      return method;
    }
  }
}
