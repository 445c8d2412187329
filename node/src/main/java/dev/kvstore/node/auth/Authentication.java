package dev.kvstore.node.auth;

import dev.kvstore.statemachine.auth.AuthState;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Establishes who each call acts for once authentication is enabled, before any service sees it:
 * a token in the metadata {@value #TOKEN_HEADER} (as etcd's), or else the common name of a
 * verified client certificate naming an existing user (mTLS). The user goes into the call's
 * context ({@link CallerIdentity}). A call with neither fails with {@code UNAUTHENTICATED} saying
 * how to authenticate; a bad token (expired, forged, of a deleted user or a changed password) with
 * {@code UNAUTHENTICATED} saying which; a token issued after auth changes this node has not applied
 * yet (it restarted, or lags) with {@code UNAVAILABLE}, which clients retry on another node. Health checks, reflection, {@code Authenticate} and
 * {@code AuthStatus} need no identity. While authentication is off, nothing is checked and tokens
 * are ignored; but a node that has not caught up with the leader since it started cannot know that
 * it is off (it may not have replayed the enabling yet), and refuses other calls with
 * {@code UNAVAILABLE} until it has.
 */
public final class Authentication implements ServerInterceptor {

  /** The metadata key of the token, as etcd's clients send it. */
  public static final String TOKEN_HEADER = "token";
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of(TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  /** Methods (full names) and services that work without an identity. */
  private static final Set<String> OPEN_METHODS = Set.of("kvstore.Auth/Authenticate", "kvstore.Auth/AuthStatus");
  private static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  private final Supplier<AuthState> auth;
  private final BooleanSupplier caughtUp;
  private final String nodeId;
  private final AuthTokens tokens;
  private final Supplier<Optional<String>> certificateName;

  /**
   * @param auth            the replicated auth state as applied on this node
   * @param caughtUp        whether this node has caught up with the leader since it started
   *                        ({@code StartupCatchUp}); until then an auth state that says
   *                        authentication is off may only be one the node has not replayed past
   * @param certificateName the common name of the current call's verified client certificate, if any
   */
  public Authentication(Supplier<AuthState> auth, BooleanSupplier caughtUp, String nodeId, AuthTokens tokens,
      Supplier<Optional<String>> certificateName) {
    this.auth = auth;
    this.caughtUp = caughtUp;
    this.nodeId = nodeId;
    this.tokens = tokens;
    this.certificateName = certificateName;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    AuthState state = auth.get();
    boolean open = open(call);
    if (!state.enabled()) {
      if (open || caughtUp.getAsBoolean()) {
        return next.startCall(call, headers);
      }
      // Nothing was proposed: a plain UNAVAILABLE, which clients retry on another node.
      return close(call, Status.UNAVAILABLE, "node " + nodeId + " has not caught up with the leader since it"
          + " started, so it cannot tell yet whether authentication is on; retry on another node");
    }
    String token = headers.get(TOKEN);
    if (token != null) {
      AuthTokens.Verdict verdict = tokens.verify(token, state);
      if (verdict instanceof AuthTokens.Verdict.Valid valid) {
        return withUser(valid.user(), call, headers, next);
      }
      // An open method ignores a bad token: signing in again with an expired one must work.
      if (!open) {
        if (verdict instanceof AuthTokens.Verdict.Behind behind) {
          return close(call, Status.UNAVAILABLE, behind.reason());
        }
        return refuse(call, "the token was refused: " + ((AuthTokens.Verdict.Refused) verdict).reason());
      }
    }
    Optional<String> name = certificateName.get();
    if (name.isPresent()) {
      if (state.user(name.get()).isPresent()) {
        return withUser(name.get(), call, headers, next);
      }
      if (!open) {
        return refuse(call, "the client certificate names '" + name.get() + "', which is not a user of this"
            + " cluster: add the user (kvstore user add " + name.get() + " --no-password) or sign in with a password");
      }
    }
    if (open) {
      return next.startCall(call, headers);
    }
    return refuse(call, "authentication is enabled: sign in (kvstore --user NAME, or a token in the metadata '"
        + TOKEN_HEADER + "') or use a client certificate that names a user");
  }

  private static boolean open(ServerCall<?, ?> call) {
    String method = call.getMethodDescriptor().getFullMethodName();
    return OPEN_METHODS.contains(method) || OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName());
  }

  private static <Q, A> ServerCall.Listener<Q> withUser(String user, ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    return Contexts.interceptCall(Context.current().withValue(CallerIdentity.USER, user), call, headers, next);
  }

  private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, String message) {
    return close(call, Status.UNAUTHENTICATED, message);
  }

  private static <Q, A> ServerCall.Listener<Q> close(ServerCall<Q, A> call, Status status, String message) {
    call.close(status.withDescription(message), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
