package dev.kvstore.statemachine.auth;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.AuthEnableOp;
import dev.kvstore.statemachine.proto.AuthOp;
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

/** Builds the auth ops tests apply. */
public final class AuthCommands {

  private AuthCommands() {}

  /** Enabling with a fixed token key of the right size. */
  public static AuthOp enable() {
    return AuthOp.newBuilder().setEnable(AuthEnableOp.newBuilder()
        .setTokenKey(ByteString.copyFrom(new byte[AuthStore.TOKEN_KEY_BYTES]))).build();
  }

  public static AuthOp disable() {
    return AuthOp.newBuilder().setDisable(dev.kvstore.statemachine.proto.AuthDisableOp.getDefaultInstance()).build();
  }

  public static AuthOp addUser(String name, String hash) {
    return AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName(name).setPasswordHash(hash)).build();
  }

  public static AuthOp deleteUser(String name) {
    return AuthOp.newBuilder().setUserDelete(UserDeleteOp.newBuilder().setName(name)).build();
  }

  public static AuthOp changePassword(String name, String hash) {
    return AuthOp.newBuilder().setUserChangePassword(UserChangePasswordOp.newBuilder().setName(name)
        .setPasswordHash(hash)).build();
  }

  public static AuthOp grantRole(String user, String role) {
    return AuthOp.newBuilder().setUserGrantRole(UserGrantRoleOp.newBuilder().setUser(user).setRole(role)).build();
  }

  public static AuthOp revokeRole(String user, String role) {
    return AuthOp.newBuilder().setUserRevokeRole(UserRevokeRoleOp.newBuilder().setUser(user).setRole(role)).build();
  }

  public static AuthOp addRole(String name) {
    return AuthOp.newBuilder().setRoleAdd(RoleAddOp.newBuilder().setName(name)).build();
  }

  public static AuthOp deleteRole(String name) {
    return AuthOp.newBuilder().setRoleDelete(RoleDeleteOp.newBuilder().setName(name)).build();
  }

  public static AuthOp grant(String role, StoredPermission.Type type, String key, String rangeEnd, boolean prefix) {
    return AuthOp.newBuilder().setRoleGrantPermission(RoleGrantPermissionOp.newBuilder().setRole(role)
        .setPermission(permission(type, key, rangeEnd, prefix))).build();
  }

  public static AuthOp revoke(String role, String key, String rangeEnd, boolean prefix) {
    return AuthOp.newBuilder().setRoleRevokePermission(RoleRevokePermissionOp.newBuilder().setRole(role)
        .setPermission(permission(StoredPermission.Type.READ, key, rangeEnd, prefix))).build();
  }

  private static StoredPermission permission(StoredPermission.Type type, String key, String rangeEnd, boolean prefix) {
    return StoredPermission.newBuilder().setType(type).setKey(key).setRangeEnd(rangeEnd).setPrefix(prefix).build();
  }
}
