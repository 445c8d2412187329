package dev.kvstore.client;

import dev.kvstore.api.AuthDisableRequest;
import dev.kvstore.api.AuthDisableResponse;
import dev.kvstore.api.AuthEnableRequest;
import dev.kvstore.api.AuthEnableResponse;
import dev.kvstore.api.AuthGrpc;
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
import dev.kvstore.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import java.util.function.Function;

/**
 * The unary RPCs of the Auth service as started {@link FailoverCall}s, as {@link LeaseCalls} does
 * for leases: changes carry a request id (a retry on another node gets the first answer, not
 * "already exists"), reads and sign-ins are reads.
 */
final class AuthCalls {

  private final EndpointRotation rotation;
  private final FailoverCaller caller;
  private final RequestIdSource requestIds;

  AuthCalls(EndpointRotation rotation, FailoverCaller caller, RequestIdSource requestIds) {
    this.rotation = rotation;
    this.caller = caller;
    this.requestIds = requestIds;
  }

  FailoverCaller caller() {
    return caller;
  }

  FailoverCall<AuthenticateRequest, AuthenticateResponse> authenticate(String user, String password) {
    return read(AuthGrpc.getAuthenticateMethod(),
        AuthenticateRequest.newBuilder().setName(user).setPassword(password).build(), AuthenticateResponse::getHeader);
  }

  FailoverCall<AuthEnableRequest, AuthEnableResponse> enable() {
    return write(AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.newBuilder().setRequestId(requestIds.next()).build(),
        AuthEnableResponse::getHeader);
  }

  FailoverCall<AuthDisableRequest, AuthDisableResponse> disable() {
    return write(AuthGrpc.getAuthDisableMethod(),
        AuthDisableRequest.newBuilder().setRequestId(requestIds.next()).build(), AuthDisableResponse::getHeader);
  }

  FailoverCall<AuthStatusRequest, AuthStatusResponse> status() {
    return read(AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance(), AuthStatusResponse::getHeader);
  }

  /** @param password null for a user that signs in with a client certificate only */
  FailoverCall<AuthUserAddRequest, AuthUserAddResponse> userAdd(String name, String password) {
    AuthUserAddRequest.Builder request = AuthUserAddRequest.newBuilder().setName(name).setRequestId(requestIds.next());
    if (password == null) {
      request.setNoPassword(true);
    } else {
      request.setPassword(password);
    }
    return write(AuthGrpc.getUserAddMethod(), request.build(), AuthUserAddResponse::getHeader);
  }

  FailoverCall<AuthUserGetRequest, AuthUserGetResponse> userGet(String name) {
    return read(AuthGrpc.getUserGetMethod(), AuthUserGetRequest.newBuilder().setName(name).build(),
        AuthUserGetResponse::getHeader);
  }

  FailoverCall<AuthUserListRequest, AuthUserListResponse> userList() {
    return read(AuthGrpc.getUserListMethod(), AuthUserListRequest.getDefaultInstance(), AuthUserListResponse::getHeader);
  }

  FailoverCall<AuthUserDeleteRequest, AuthUserDeleteResponse> userDelete(String name) {
    return write(AuthGrpc.getUserDeleteMethod(),
        AuthUserDeleteRequest.newBuilder().setName(name).setRequestId(requestIds.next()).build(),
        AuthUserDeleteResponse::getHeader);
  }

  FailoverCall<AuthUserChangePasswordRequest, AuthUserChangePasswordResponse> userChangePassword(String name,
      String password) {
    return write(AuthGrpc.getUserChangePasswordMethod(), AuthUserChangePasswordRequest.newBuilder().setName(name)
        .setPassword(password).setRequestId(requestIds.next()).build(), AuthUserChangePasswordResponse::getHeader);
  }

  FailoverCall<AuthUserGrantRoleRequest, AuthUserGrantRoleResponse> userGrantRole(String user, String role) {
    return write(AuthGrpc.getUserGrantRoleMethod(), AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role)
        .setRequestId(requestIds.next()).build(), AuthUserGrantRoleResponse::getHeader);
  }

  FailoverCall<AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse> userRevokeRole(String user, String role) {
    return write(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName(user)
        .setRole(role).setRequestId(requestIds.next()).build(), AuthUserRevokeRoleResponse::getHeader);
  }

  FailoverCall<AuthRoleAddRequest, AuthRoleAddResponse> roleAdd(String name) {
    return write(AuthGrpc.getRoleAddMethod(),
        AuthRoleAddRequest.newBuilder().setName(name).setRequestId(requestIds.next()).build(),
        AuthRoleAddResponse::getHeader);
  }

  FailoverCall<AuthRoleGetRequest, AuthRoleGetResponse> roleGet(String name) {
    return read(AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole(name).build(),
        AuthRoleGetResponse::getHeader);
  }

  FailoverCall<AuthRoleListRequest, AuthRoleListResponse> roleList() {
    return read(AuthGrpc.getRoleListMethod(), AuthRoleListRequest.getDefaultInstance(), AuthRoleListResponse::getHeader);
  }

  FailoverCall<AuthRoleDeleteRequest, AuthRoleDeleteResponse> roleDelete(String name) {
    return write(AuthGrpc.getRoleDeleteMethod(),
        AuthRoleDeleteRequest.newBuilder().setRole(name).setRequestId(requestIds.next()).build(),
        AuthRoleDeleteResponse::getHeader);
  }

  FailoverCall<AuthRoleGrantPermissionRequest, AuthRoleGrantPermissionResponse> roleGrantPermission(String role,
      Permission permission) {
    return write(AuthGrpc.getRoleGrantPermissionMethod(), AuthRoleGrantPermissionRequest.newBuilder().setName(role)
        .setPermission(permission).setRequestId(requestIds.next()).build(), AuthRoleGrantPermissionResponse::getHeader);
  }

  FailoverCall<AuthRoleRevokePermissionRequest, AuthRoleRevokePermissionResponse> roleRevokePermission(String role,
      Permission range) {
    return write(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole(role)
        .setKey(range.getKey()).setRangeEnd(range.getRangeEnd()).setPrefix(range.getPrefix())
        .setRequestId(requestIds.next()).build(), AuthRoleRevokePermissionResponse::getHeader);
  }

  private <Q, R> FailoverCall<Q, R> write(MethodDescriptor<Q, R> method, Q request, Function<R, ResponseHeader> header) {
    return caller.start(rotation, method, request, CallKind.WRITE, header);
  }

  private <Q, R> FailoverCall<Q, R> read(MethodDescriptor<Q, R> method, Q request, Function<R, ResponseHeader> header) {
    return caller.start(rotation, method, request, CallKind.READ, header);
  }
}
