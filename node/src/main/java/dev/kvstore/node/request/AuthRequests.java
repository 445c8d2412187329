package dev.kvstore.node.request;

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
import java.util.concurrent.CompletableFuture;

/**
 * The auth requests of one Raft group, free of any transport (as {@link KvRequests}): changes go
 * through the log as auth commands that apply checks (the root role once authentication is
 * enabled); reads are linearizable. Futures fail as those of {@link KvRequests} do, plus:
 * PERMISSION_DENIED without the root role, FAILED_PRECONDITION for a user or role that exists
 * already or not at all (as etcd), UNAUTHENTICATED for a wrong user name or password.
 */
public interface AuthRequests {

  CompletableFuture<AuthEnableResponse> enable(AuthEnableRequest request, RequestContext ctx);

  CompletableFuture<AuthDisableResponse> disable(AuthDisableRequest request, RequestContext ctx);

  CompletableFuture<AuthStatusResponse> status(AuthStatusRequest request, RequestContext ctx);

  /** A token for the user when its password matches; FAILED_PRECONDITION while authentication is off. */
  CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest request, RequestContext ctx);

  CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest request, RequestContext ctx);

  CompletableFuture<AuthUserGetResponse> userGet(AuthUserGetRequest request, RequestContext ctx);

  CompletableFuture<AuthUserListResponse> userList(AuthUserListRequest request, RequestContext ctx);

  CompletableFuture<AuthUserDeleteResponse> userDelete(AuthUserDeleteRequest request, RequestContext ctx);

  CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthUserChangePasswordRequest request,
      RequestContext ctx);

  CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthUserGrantRoleRequest request, RequestContext ctx);

  CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthUserRevokeRoleRequest request, RequestContext ctx);

  CompletableFuture<AuthRoleAddResponse> roleAdd(AuthRoleAddRequest request, RequestContext ctx);

  CompletableFuture<AuthRoleGetResponse> roleGet(AuthRoleGetRequest request, RequestContext ctx);

  CompletableFuture<AuthRoleListResponse> roleList(AuthRoleListRequest request, RequestContext ctx);

  CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthRoleDeleteRequest request, RequestContext ctx);

  CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest request,
      RequestContext ctx);

  CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(AuthRoleRevokePermissionRequest request,
      RequestContext ctx);
}
