package dev.kvstore.node.auth;

import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.auth.Access;
import dev.kvstore.statemachine.auth.AuthState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The checks a node makes itself, against the auth state it has applied: reads and watches (which
 * never reach the log) and the root role for administration. Writes are checked again at apply,
 * against the state of that point of the log, which is what decides.
 */
public final class Permissions {

  private final Supplier<AuthState> auth;

  /** @param auth the replicated auth state as applied on this node */
  public Permissions(Supplier<AuthState> auth) {
    this.auth = auth;
  }

  /** The current auth state. */
  public AuthState state() {
    return auth.get();
  }

  /** {@code PERMISSION_DENIED} naming the user, access and keys when {@code user} may not; empty when it may. */
  public Optional<StatusRuntimeException> denied(String user, Access access, KeyRange range) {
    return auth.get().denial(user, access, range).map(Permissions::permissionDenied);
  }

  /** {@code PERMISSION_DENIED} when {@code user} lacks the root role that {@code what} needs; empty when it may. */
  public Optional<StatusRuntimeException> adminDenied(String user, String what) {
    return auth.get().adminDenial(user, what).map(Permissions::permissionDenied);
  }

  private static StatusRuntimeException permissionDenied(String message) {
    return Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
  }
}
