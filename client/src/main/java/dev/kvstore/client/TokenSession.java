package dev.kvstore.client;

import dev.kvstore.api.AuthenticateResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs a client in with a user name and password and sends the token with every call (metadata
 * {@value #TOKEN_HEADER}, as etcd's clients), renewing it before it expires. The token lives in
 * memory only, never on disk. While the cluster has authentication off, no token is sent; a call
 * refused as not signed in (authentication enabled since, or the token refused) makes it sign in
 * again for the calls after it.
 */
final class TokenSession implements ClientInterceptor {

  private static final Logger log = LoggerFactory.getLogger(TokenSession.class);
  static final String TOKEN_HEADER = "token";
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of(TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  /** A renewal that failed is tried again this much later. */
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final String user;
  private final String password;
  private final AtomicBoolean renewing = new AtomicBoolean();
  private volatile String token;
  // Set by signIn (the client that owns them is built after this session): for every later sign-in.
  private volatile AuthCalls calls;
  private volatile ScheduledExecutorService timer;

  TokenSession(String user, String password) {
    this.user = user;
    this.password = password;
  }

  /** The user, once a token was obtained; empty while the cluster has authentication off. */
  Optional<String> user() {
    return token == null ? Optional.empty() : Optional.of(user);
  }

  /**
   * Signs in now and keeps the token fresh on {@code timer}.
   *
   * @throws KvClientException UNAUTHENTICATED for a wrong user name or password, or what the
   *     cluster answered otherwise; not for a cluster with authentication off (nothing to send)
   */
  void signIn(AuthCalls calls, ScheduledExecutorService timer) {
    this.calls = calls;
    this.timer = timer;
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
    scheduleRenewal(renewalAfter(response));
  }

  /** Renewals come at four fifths of the token's time to live. */
  private static Duration renewalAfter(AuthenticateResponse response) {
    return Duration.ofSeconds(response.getTtl()).multipliedBy(4).dividedBy(5);
  }

  private void scheduleRenewal(Duration after) {
    try {
      timer.schedule(() -> signInInBackground(true), Math.max(1, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the client is closing
    }
  }

  /**
   * A call was refused as not signed in: authentication was enabled after this client signed in
   * (it then had no token to get), or the token was refused. Signs in again in the background, once
   * at a time, so that later calls carry a token; the refused call itself fails.
   */
  private void signInAgain() {
    if (calls != null && renewing.compareAndSet(false, true)) {
      signInInBackground(false);
    }
  }

  /**
   * Asks for a token without blocking. A renewal (on the timer) schedules the next one, or retries
   * after {@link #RETRY} when it failed for another reason than authentication being off. A sign-in
   * after a refused call starts the renewals only when there was no token before (otherwise they
   * already run).
   */
  private void signInInBackground(boolean renewal) {
    FailoverCall<?, AuthenticateResponse> call;
    try {
      call = calls.authenticate(user, password);
    } catch (IllegalStateException closed) {
      renewing.set(false);
      return;
    }
    call.outcome().whenComplete((response, error) -> {
      if (!renewal) {
        renewing.set(false);
      }
      if (error == null) {
        boolean first = token == null;
        token = response.getToken();
        if (renewal || first) {
          scheduleRenewal(renewalAfter(response));
        }
      } else if (renewal) {
        if (unwrap(error) instanceof KvClientException e && e.code() == Status.Code.FAILED_PRECONDITION) {
          log.debug("authentication is still off on the cluster; no token to renew");
        } else {
          log.warn("renewing the token of user '{}' failed: {}; trying again in {}", user, error.getMessage(),
              DurationText.of(RETRY));
          scheduleRenewal(RETRY);
        }
      }
      // A failed sign-in after a refused call: the next refused call tries again.
    });
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    boolean signIn = method.getFullMethodName().equals("kvstore.Auth/Authenticate");
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        String current = token;
        // Signing in needs no token, and an expired one must not stand in its way.
        if (current != null && !signIn) {
          headers.put(TOKEN, current);
        }
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.getCode() == Status.Code.UNAUTHENTICATED && !signIn) {
              signInAgain();
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
