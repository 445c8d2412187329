package dev.kvstore.node.api;

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
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.node.auth.PasswordHashes;
import dev.kvstore.node.request.AuthRequests;
import dev.kvstore.node.request.RequestBudget;
import dev.kvstore.node.request.RequestContext;
import dev.kvstore.statemachine.auth.AuthState;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The {@code Auth} gRPC service: checks each request (names, passwords, permission ranges, request
 * ids: INVALID_ARGUMENT saying what is wrong and what is allowed), hands it to the
 * {@link AuthRequests} layer, and sends what that answers.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {

  private final AuthRequests requests;
  private final RequestBudget budget;

  public AuthService(AuthRequests requests, RequestBudget budget) {
    this.requests = requests;
    this.budget = budget;
  }

  @Override
  public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> out) {
    if (accepted(() -> requestId(request.hasRequestId(), request.getRequestId()), out)) {
      answer(requests::enable, request, out);
    }
  }

  @Override
  public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> out) {
    if (accepted(() -> requestId(request.hasRequestId(), request.getRequestId()), out)) {
      answer(requests::disable, request, out);
    }
  }

  @Override
  public void authStatus(AuthStatusRequest request, StreamObserver<AuthStatusResponse> out) {
    answer(requests::status, request, out);
  }

  @Override
  public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> out) {
    if (accepted(() -> {
      name("user", request.getName());
      if (request.getPassword().isEmpty()) {
        throw invalid("password is empty; a user without a password signs in with a client certificate");
      }
    }, out)) {
      answer(requests::authenticate, request, out);
    }
  }

  @Override
  public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> out) {
    if (accepted(() -> {
      name("user", request.getName());
      if (request.getNoPassword()) {
        if (!request.getPassword().isEmpty()) {
          throw invalid("no_password is set and a password is given; give one or the other");
        }
      } else {
        password(request.getPassword());
      }
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::userAdd, request, out);
    }
  }

  @Override
  public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> out) {
    if (accepted(() -> name("user", request.getName()), out)) {
      answer(requests::userGet, request, out);
    }
  }

  @Override
  public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> out) {
    answer(requests::userList, request, out);
  }

  @Override
  public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> out) {
    if (accepted(() -> {
      name("user", request.getName());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::userDelete, request, out);
    }
  }

  @Override
  public void userChangePassword(AuthUserChangePasswordRequest request,
      StreamObserver<AuthUserChangePasswordResponse> out) {
    if (accepted(() -> {
      name("user", request.getName());
      password(request.getPassword());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::userChangePassword, request, out);
    }
  }

  @Override
  public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> out) {
    if (accepted(() -> {
      name("user", request.getUser());
      name("role", request.getRole());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::userGrantRole, request, out);
    }
  }

  @Override
  public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> out) {
    if (accepted(() -> {
      name("user", request.getName());
      name("role", request.getRole());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::userRevokeRole, request, out);
    }
  }

  @Override
  public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> out) {
    if (accepted(() -> {
      name("role", request.getName());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::roleAdd, request, out);
    }
  }

  @Override
  public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> out) {
    if (accepted(() -> name("role", request.getRole()), out)) {
      answer(requests::roleGet, request, out);
    }
  }

  @Override
  public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> out) {
    answer(requests::roleList, request, out);
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> out) {
    if (accepted(() -> {
      name("role", request.getRole());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::roleDelete, request, out);
    }
  }

  @Override
  public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
      StreamObserver<AuthRoleGrantPermissionResponse> out) {
    if (accepted(() -> {
      name("role", request.getName());
      if (!request.hasPermission()) {
        throw invalid("permission is missing; give its type and key (and range_end or prefix)");
      }
      Permission p = request.getPermission();
      if (p.getType() == Permission.Type.UNRECOGNIZED) {
        throw invalid("permission type " + p.getTypeValue() + " is unknown; use READ, WRITE or READWRITE");
      }
      RequestLimits.checkKeyRange(p.getKey(), p.getRangeEnd(), p.getPrefix());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::roleGrantPermission, request, out);
    }
  }

  @Override
  public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
      StreamObserver<AuthRoleRevokePermissionResponse> out) {
    if (accepted(() -> {
      name("role", request.getRole());
      RequestLimits.checkKeyRange(request.getKey(), request.getRangeEnd(), request.getPrefix());
      requestId(request.hasRequestId(), request.getRequestId());
    }, out)) {
      answer(requests::roleRevokePermission, request, out);
    }
  }

  private static void name(String what, String name) {
    String problem = AuthState.nameProblem(what, name);
    if (problem != null) {
      throw invalid(problem);
    }
  }

  private static void password(String password) {
    String problem = PasswordHashes.problem(password);
    if (problem != null) {
      throw invalid(problem);
    }
  }

  private static void requestId(boolean given, RequestId id) {
    if (given) {
      RequestLimits.checkRequestId(id);
    }
  }

  private static RuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /** Must run on the thread that received the call: the caller's identity and deadline are read from its context. */
  private <Q, A> void answer(BiFunction<Q, RequestContext, CompletableFuture<A>> layer, Q request,
      StreamObserver<A> out) {
    UnaryAnswers.answer(layer, request, budget, out);
  }

  private static boolean accepted(Runnable check, StreamObserver<?> out) {
    return UnaryAnswers.accepted(check, out);
  }
}
