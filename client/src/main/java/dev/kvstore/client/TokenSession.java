package dev.kvstore.client;

import dev.kvstore.api.AuthenticateResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs a client in with a user name and password and sends the token with every call (metadata
 * {@value #TOKEN_HEADER}, as etcd's clients), renewing it before it expires. The token lives in
 * memory only, never on disk. While the cluster has authentication off, no token is sent.
 */
final class TokenSession implements ClientInterceptor {

  private static final Logger log = LoggerFactory.getLogger(TokenSession.class);
  static final String TOKEN_HEADER = "token";
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of(TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  /** A renewal that failed is tried again this much later. */
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final String user;
  private final String password;
  private volatile String token;

  TokenSession(String user, String password) {
    this.user = user;
    this.password = password;
  }

  /**
   * Signs in now and keeps the token fresh on {@code timer}.
   *
   * @throws KvClientException UNAUTHENTICATED for a wrong user name or password, or what the
   *     cluster answered otherwise; not for a cluster with authentication off (nothing to send)
   */
  void signIn(AuthCalls calls, ScheduledExecutorService timer) {
    AuthenticateResponse response;
    try {
      response = calls.caller().call(() -> calls.authenticate(user, password));
    } catch (KvClientException e) {
      if (e.code() == Status.Code.FAILED_PRECONDITION) {
        log.debug("authentication is not enabled on the cluster; calls go without a token");
        return;
      }
      throw e;
    }
    token = response.getToken();
    scheduleRenewal(calls, timer, Duration.ofSeconds(response.getTtl()).multipliedBy(4).dividedBy(5));
  }

  private void scheduleRenewal(AuthCalls calls, ScheduledExecutorService timer, Duration after) {
    try {
      timer.schedule(() -> renew(calls, timer), Math.max(1, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the client is closing
    }
  }

  /** On the timer: starts the renewal without blocking the timer; its outcome reschedules. */
  private void renew(AuthCalls calls, ScheduledExecutorService timer) {
    FailoverCall<?, AuthenticateResponse> call;
    try {
      call = calls.authenticate(user, password);
    } catch (IllegalStateException closed) {
      return;
    }
    call.outcome().whenComplete((response, error) -> {
      if (error == null) {
        token = response.getToken();
        scheduleRenewal(calls, timer, Duration.ofSeconds(response.getTtl()).multipliedBy(4).dividedBy(5));
      } else {
        log.warn("renewing the token of user '{}' failed: {}; trying again in {}", user, error.getMessage(),
            DurationText.of(RETRY));
        scheduleRenewal(calls, timer, RETRY);
      }
    });
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        String current = token;
        if (current != null) {
          headers.put(TOKEN, current);
        }
        super.start(listener, headers);
      }
    };
  }
}
