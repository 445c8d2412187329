package dev.kvstore.node.auth;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.AuthEnableOp;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Caller;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.UserAddOp;
import dev.kvstore.statemachine.proto.UserGrantRoleOp;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a new cluster with authentication on: while this node leads and the cluster's auth state
 * is a new one's, it proposes the user "root" (with the password given to the node, hashed here
 * only then: a node restarted into a cluster already set up never pays for bcrypt, which on a cold
 * JVM costs seconds of CPU at the default cost),
 * the role "root" for it, and enabling authentication, through the log like any client would. Once
 * anything else happened to users, roles or the switch, it does nothing, so an operator who later
 * disables authentication is not overruled. Meant for deployments that hand the root password over as a file (a Docker secret)
 * rather than running {@code kvstore user add root} and {@code kvstore auth enable} by hand.
 */
public final class AuthBootstrap implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuthBootstrap.class);

  private final String nodeId;
  private final Supplier<String> rootPasswordHash;
  private final Executor hashing;
  private final Supplier<AuthState> auth;
  private final BooleanSupplier leading;
  private final Function<Command, CompletableFuture<CommandResult>> propose;
  private final SecureRandom random;
  private volatile boolean proposing;
  private ScheduledFuture<?> checks;

  /**
   * @param rootPasswordHash makes the root password's bcrypt hash ({@link PasswordHashes}); called on
   *                         {@code hashing}, once per attempt to add root, never when root exists
   * @param hashing          where the hash is made: not the caller's scheduler, whose other timers
   *                         it would hold up
   * @param propose          proposes a command through the log; completes once applied
   */
  public AuthBootstrap(String nodeId, Supplier<String> rootPasswordHash, Executor hashing, Supplier<AuthState> auth,
      BooleanSupplier leading, Function<Command, CompletableFuture<CommandResult>> propose, SecureRandom random) {
    this.nodeId = nodeId;
    this.rootPasswordHash = rootPasswordHash;
    this.hashing = hashing;
    this.auth = auth;
    this.leading = leading;
    this.propose = propose;
    this.random = random;
  }

  /** Checks every {@code interval} on {@code scheduler} until authentication is set up (by it or anyone), or closed. */
  public AuthBootstrap start(ScheduledExecutorService scheduler, Duration interval) {
    checks = scheduler.scheduleWithFixedDelay(this::check, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  /**
   * One check: while this node leads and the auth state holds nothing but what this bootstrap
   * makes (at most the user "root" with the role "root", authentication off, no other change),
   * proposes what is missing of the three steps, in order. Any other state stops the checks for good.
   */
  void check() {
    AuthState state = auth.get();
    if (!untouched(state)) {
      if (checks != null) {
        checks.cancel(false);
      }
      return;
    }
    if (proposing || !leading.getAsBoolean()) {
      return;
    }
    proposing = true;
    boolean rootExists = state.user(AuthState.ROOT).isPresent();
    boolean rootHasRole = state.isRoot(AuthState.ROOT);
    byte[] key = new byte[AuthStore.TOKEN_KEY_BYTES];
    random.nextBytes(key);
    CompletableFuture<?> added = rootExists ? CompletableFuture.completedFuture(null)
        : CompletableFuture.supplyAsync(rootPasswordHash, hashing)
            .thenCompose(hash -> step(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName(AuthState.ROOT)
                .setPasswordHash(hash)).build()));
    added.thenCompose(ignored -> rootHasRole ? CompletableFuture.completedFuture(null)
            : step(AuthOp.newBuilder().setUserGrantRole(UserGrantRoleOp.newBuilder()
                .setUser(AuthState.ROOT).setRole(AuthState.ROOT)).build()))
        .thenCompose(ignored -> step(AuthOp.newBuilder().setEnable(AuthEnableOp.newBuilder()
            .setTokenKey(ByteString.copyFrom(key))).build()))
        .whenComplete((result, error) -> {
          proposing = false;
          if (error != null) {
            LOG.info("{}: setting up the root user and authentication did not finish ({}); trying again",
                nodeId, error.getMessage());
          } else {
            LOG.info("{}: added the user 'root' from the initial root password and enabled authentication", nodeId);
          }
        });
  }

  /**
   * Whether the auth state is a new cluster's, or one this bootstrap left half done: authentication
   * off, no user but root, no role but the built-in one, and at most its own two changes.
   */
  static boolean untouched(AuthState state) {
    return !state.enabled() && state.authRevision() <= 2
        && state.users().stream().allMatch(u -> u.name().equals(AuthState.ROOT))
        && state.roles().size() == 1;
  }

  /** Proposes one op as an anonymous caller (authentication is off until the last step); fails on a refusal. */
  private CompletableFuture<CommandResult> step(AuthOp op) {
    Command command = Command.newBuilder().setAuth(op).setCaller(Caller.newBuilder().setUser("")).build();
    return propose.apply(command).thenApply(result -> {
      if (!result.getError().isEmpty()) {
        throw new IllegalStateException(op.getOpCase() + " refused: " + result.getError());
      }
      return result;
    });
  }

  @Override
  public void close() {
    if (checks != null) {
      checks.cancel(false);
    }
  }
}
