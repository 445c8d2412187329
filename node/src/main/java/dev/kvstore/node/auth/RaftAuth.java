package dev.kvstore.node.auth;

import com.google.protobuf.ByteString;
import dev.kvstore.api.AuthDisableRequest;
import dev.kvstore.api.AuthDisableResponse;
import dev.kvstore.api.AuthEnableRequest;
import dev.kvstore.api.AuthEnableResponse;
import dev.kvstore.api.AuthRoleAddRequest;
import dev.kvstore.api.AuthRoleAddResponse;
import dev.kvstore.api.AuthRoleDeleteRequest;
import dev.kvstore.api.AuthRoleDeleteResponse;
import dev.kvstore.api.AuthRoleGetRequest;
import dev.kvstore.api.AuthRoleGetResponse;
import dev.kvstore.api.AuthRoleGrantPermissionRequest;
import dev.kvstore.api.AuthRoleGrantPermissionResponse;
import dev.kvstore.api.AuthRoleListRequest;
import dev.kvstore.api.AuthRoleListResponse;
import dev.kvstore.api.AuthRoleRevokePermissionRequest;
import dev.kvstore.api.AuthRoleRevokePermissionResponse;
import dev.kvstore.api.AuthStatusRequest;
import dev.kvstore.api.AuthStatusResponse;
import dev.kvstore.api.AuthUserAddRequest;
import dev.kvstore.api.AuthUserAddResponse;
import dev.kvstore.api.AuthUserChangePasswordRequest;
import dev.kvstore.api.AuthUserChangePasswordResponse;
import dev.kvstore.api.AuthUserDeleteRequest;
import dev.kvstore.api.AuthUserDeleteResponse;
import dev.kvstore.api.AuthUserGetRequest;
import dev.kvstore.api.AuthUserGetResponse;
import dev.kvstore.api.AuthUserGrantRoleRequest;
import dev.kvstore.api.AuthUserGrantRoleResponse;
import dev.kvstore.api.AuthUserListRequest;
import dev.kvstore.api.AuthUserListResponse;
import dev.kvstore.api.AuthUserRevokeRoleRequest;
import dev.kvstore.api.AuthUserRevokeRoleResponse;
import dev.kvstore.api.AuthenticateRequest;
import dev.kvstore.api.AuthenticateResponse;
import dev.kvstore.api.Permission;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.node.request.AuthRequests;
import dev.kvstore.node.request.RaftKv;
import dev.kvstore.node.request.RequestContext;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.auth.Role;
import dev.kvstore.statemachine.auth.User;
import dev.kvstore.statemachine.proto.AuthDisableOp;
import dev.kvstore.statemachine.proto.AuthEnableOp;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.RoleAddOp;
import dev.kvstore.statemachine.proto.RoleDeleteOp;
import dev.kvstore.statemachine.proto.RoleGrantPermissionOp;
import dev.kvstore.statemachine.proto.RoleRevokePermissionOp;
import dev.kvstore.statemachine.proto.StoredPermission;
import dev.kvstore.statemachine.proto.UserAddOp;
import dev.kvstore.statemachine.proto.UserChangePasswordOp;
import dev.kvstore.statemachine.proto.UserDeleteOp;
import dev.kvstore.statemachine.proto.UserGrantRoleOp;
import dev.kvstore.statemachine.proto.UserRevokeRoleOp;
import io.grpc.Status;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The auth requests over Raft: each change is an {@link AuthOp} carrying its caller, which apply
 * checks (the root role once authentication is enabled) and every member applies at the same
 * point of the log; reads of users and roles are linearizable and need the root role too.
 * Passwords are hashed here, before anything is proposed: the log and snapshots hold hashes only.
 */
public final class RaftAuth implements AuthRequests {

  private final RaftKv kv;
  private final Permissions permissions;
  private final PasswordHashes passwords;
  private final AuthTokens tokens;
  private final ResponseHeaders headers;
  private final SecureRandom random;

  public RaftAuth(RaftKv kv, Permissions permissions, PasswordHashes passwords, AuthTokens tokens,
      ResponseHeaders headers, SecureRandom random) {
    this.kv = kv;
    this.permissions = permissions;
    this.passwords = passwords;
    this.tokens = tokens;
    this.headers = headers;
    this.random = random;
  }

  @Override
  public CompletableFuture<AuthEnableResponse> enable(AuthEnableRequest request, RequestContext ctx) {
    byte[] key = new byte[AuthStore.TOKEN_KEY_BYTES];
    random.nextBytes(key);
    // No request id: a retry would draw another key, and enabling twice changes nothing anyway.
    AuthOp op = AuthOp.newBuilder().setEnable(AuthEnableOp.newBuilder().setTokenKey(ByteString.copyFrom(key))).build();
    return change(op, false, request.getRequestId(), ctx, h -> AuthEnableResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthDisableResponse> disable(AuthDisableRequest request, RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setDisable(AuthDisableOp.getDefaultInstance()).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthDisableResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthStatusResponse> status(AuthStatusRequest request, RequestContext ctx) {
    return kv.read(ReadConsistency.LINEARIZABLE, ctx.timeout(), true, () -> {
      AuthState state = permissions.state();
      return AuthStatusResponse.newBuilder().setHeader(headers.current()).setEnabled(state.enabled())
          .setAuthRevision(state.authRevision()).build();
    });
  }

  @Override
  public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest request, RequestContext ctx) {
    // Linearizable: a password changed before this call is the one checked.
    return kv.read(ReadConsistency.LINEARIZABLE, ctx.timeout(), false, () -> {
      AuthState state = permissions.state();
      if (!state.enabled()) {
        throw Status.FAILED_PRECONDITION.withDescription("authentication is not enabled: every call is allowed"
            + " without a token (enable it with kvstore auth enable)").asRuntimeException();
      }
      Optional<User> user = state.user(request.getName());
      if (user.isEmpty() || !PasswordHashes.matches(user.get().passwordHash(), request.getPassword())) {
        // One message for both: which user names exist is not told to whoever asks.
        throw Status.UNAUTHENTICATED.withDescription("wrong user name or password").asRuntimeException();
      }
      return AuthenticateResponse.newBuilder()
          .setHeader(headers.current())
          .setToken(tokens.issue(user.get(), state))
          .setTtl(tokens.ttl().toSeconds())
          .build();
    });
  }

  @Override
  public CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest request, RequestContext ctx) {
    String hash = request.getNoPassword() ? ""
        : hash(request.getPassword(), request.hasRequestId(), request.getRequestId());
    AuthOp op = AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName(request.getName())
        .setPasswordHash(hash)).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthUserAddResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthUserGetResponse> userGet(AuthUserGetRequest request, RequestContext ctx) {
    return adminRead(ctx, "reading users", state -> {
      User user = state.user(request.getName()).orElseThrow(() -> Status.FAILED_PRECONDITION
          .withDescription("user '" + request.getName() + "' does not exist").asRuntimeException());
      return AuthUserGetResponse.newBuilder().setHeader(headers.current()).addAllRoles(user.roles())
          .setHasPassword(user.hasPassword()).build();
    });
  }

  @Override
  public CompletableFuture<AuthUserListResponse> userList(AuthUserListRequest request, RequestContext ctx) {
    return adminRead(ctx, "reading users", state -> AuthUserListResponse.newBuilder().setHeader(headers.current())
        .addAllUsers(state.users().stream().map(User::name).toList()).build());
  }

  @Override
  public CompletableFuture<AuthUserDeleteResponse> userDelete(AuthUserDeleteRequest request, RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setUserDelete(UserDeleteOp.newBuilder().setName(request.getName())).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthUserDeleteResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthUserChangePasswordRequest request,
      RequestContext ctx) {
    String hash = hash(request.getPassword(), request.hasRequestId(), request.getRequestId());
    AuthOp op = AuthOp.newBuilder().setUserChangePassword(UserChangePasswordOp.newBuilder()
        .setName(request.getName()).setPasswordHash(hash)).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthUserChangePasswordResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthUserGrantRoleRequest request,
      RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setUserGrantRole(UserGrantRoleOp.newBuilder().setUser(request.getUser())
        .setRole(request.getRole())).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthUserGrantRoleResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthUserRevokeRoleRequest request,
      RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setUserRevokeRole(UserRevokeRoleOp.newBuilder().setUser(request.getName())
        .setRole(request.getRole())).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthUserRevokeRoleResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthRoleAddResponse> roleAdd(AuthRoleAddRequest request, RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setRoleAdd(RoleAddOp.newBuilder().setName(request.getName())).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthRoleAddResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthRoleGetResponse> roleGet(AuthRoleGetRequest request, RequestContext ctx) {
    return adminRead(ctx, "reading roles", state -> {
      Role role = state.role(request.getRole()).orElseThrow(() -> Status.FAILED_PRECONDITION
          .withDescription("role '" + request.getRole() + "' does not exist").asRuntimeException());
      AuthRoleGetResponse.Builder response = AuthRoleGetResponse.newBuilder().setHeader(headers.current());
      role.permissions().forEach(p -> response.addPermissions(toApi(p.toStored())));
      return response.build();
    });
  }

  @Override
  public CompletableFuture<AuthRoleListResponse> roleList(AuthRoleListRequest request, RequestContext ctx) {
    return adminRead(ctx, "reading roles", state -> AuthRoleListResponse.newBuilder().setHeader(headers.current())
        .addAllRoles(state.roles().stream().map(Role::name).toList()).build());
  }

  @Override
  public CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthRoleDeleteRequest request, RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setRoleDelete(RoleDeleteOp.newBuilder().setName(request.getRole())).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthRoleDeleteResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest request,
      RequestContext ctx) {
    AuthOp op = AuthOp.newBuilder().setRoleGrantPermission(RoleGrantPermissionOp.newBuilder()
        .setRole(request.getName()).setPermission(toStored(request.getPermission()))).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthRoleGrantPermissionResponse.newBuilder().setHeader(h).build());
  }

  @Override
  public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(
      AuthRoleRevokePermissionRequest request, RequestContext ctx) {
    StoredPermission range = StoredPermission.newBuilder().setKey(request.getKey())
        .setRangeEnd(request.getRangeEnd()).setPrefix(request.getPrefix()).build();
    AuthOp op = AuthOp.newBuilder().setRoleRevokePermission(RoleRevokePermissionOp.newBuilder()
        .setRole(request.getRole()).setPermission(range)).build();
    return change(op, request.hasRequestId(), request.getRequestId(), ctx,
        h -> AuthRoleRevokePermissionResponse.newBuilder().setHeader(h).build());
  }

  /** A retried request (same request id) must propose the same hash, so its salt comes from the id. */
  private String hash(String password, boolean hasRequestId, RequestId id) {
    return hasRequestId
        ? passwords.hashSeeded(password, id.toByteArray())
        : passwords.hash(password);
  }

  private <T> CompletableFuture<T> change(AuthOp op, boolean hasRequestId, RequestId id, RequestContext ctx,
      Function<ResponseHeader, T> respond) {
    Command command = RaftKv.identified(Command.newBuilder().setAuth(op), hasRequestId, id, ctx);
    return kv.write(command, ctx.timeout(), result -> respond.apply(headers.at(result.getRevision())));
  }

  private <T> CompletableFuture<T> adminRead(RequestContext ctx, String what, Function<AuthState, T> respond) {
    Optional<? extends RuntimeException> denied = permissions.adminDenied(ctx.user(), what);
    if (denied.isPresent()) {
      return CompletableFuture.failedFuture(denied.get());
    }
    return kv.read(ReadConsistency.LINEARIZABLE, ctx.timeout(), false, () -> respond.apply(permissions.state()));
  }

  private static StoredPermission toStored(Permission p) {
    return StoredPermission.newBuilder().setTypeValue(p.getTypeValue()).setKey(p.getKey())
        .setRangeEnd(p.getRangeEnd()).setPrefix(p.getPrefix()).build();
  }

  private static Permission toApi(StoredPermission p) {
    return Permission.newBuilder().setTypeValue(p.getTypeValue()).setKey(p.getKey())
        .setRangeEnd(p.getRangeEnd()).setPrefix(p.getPrefix()).build();
  }
}
