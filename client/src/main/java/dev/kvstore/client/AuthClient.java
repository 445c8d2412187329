package dev.kvstore.client;

import dev.kvstore.api.AuthRoleGetResponse;
import dev.kvstore.api.AuthStatusResponse;
import dev.kvstore.api.AuthUserGetResponse;
import dev.kvstore.api.Permission;
import java.util.List;
import java.util.Objects;

/**
 * Users, roles and the authentication switch (etcd's {@code Auth} client). Obtained from
 * {@link KvClient#auth()}. Once authentication is enabled, every call of this client needs the role
 * "root" except {@link #status()}; the client signs in with the credentials given to
 * {@link KvClient.Builder#credentials}.
 *
 * <p>Calls block, fail over between endpoints within the request timeout, and throw
 * {@link KvClientException}: PERMISSION_DENIED without the root role, FAILED_PRECONDITION for a user
 * or role that exists already or not at all (as etcd), INVALID_ARGUMENT for a bad name, password
 * (over 72 bytes: bcrypt would cut it) or permission range.
 */
public final class AuthClient {

  private final AuthCalls calls;

  AuthClient(AuthCalls calls) {
    this.calls = calls;
  }

  /** Turns authentication on; needs the user "root" holding the role "root" (see {@link #grantRole}). */
  public void enable() {
    calls.caller().call(calls::enable);
  }

  public void disable() {
    calls.caller().call(calls::disable);
  }

  /** Whether authentication is on, and the auth revision. Works without signing in. */
  public AuthStatusResponse status() {
    return calls.caller().call(calls::status);
  }

  /** Adds a user with a password (stored as a bcrypt hash). */
  public void addUser(String name, String password) {
    Objects.requireNonNull(password, "password");
    calls.caller().call(() -> calls.userAdd(name, password));
  }

  /** Adds a user without password: it can only sign in with a client certificate whose common name is its name. */
  public void addUserWithoutPassword(String name) {
    calls.caller().call(() -> calls.userAdd(name, null));
  }

  public void deleteUser(String name) {
    calls.caller().call(() -> calls.userDelete(name));
  }

  /** Sets a new password; the user's tokens issued before stop working. */
  public void changePassword(String name, String password) {
    calls.caller().call(() -> calls.userChangePassword(name, password));
  }

  public void grantRole(String user, String role) {
    calls.caller().call(() -> calls.userGrantRole(user, role));
  }

  public void revokeRole(String user, String role) {
    calls.caller().call(() -> calls.userRevokeRole(user, role));
  }

  /** The user's roles and whether it has a password. */
  public AuthUserGetResponse user(String name) {
    return calls.caller().call(() -> calls.userGet(name));
  }

  public List<String> users() {
    return calls.caller().call(calls::userList).getUsersList();
  }

  public void addRole(String name) {
    calls.caller().call(() -> calls.roleAdd(name));
  }

  /** Deletes a role; the users that held it lose it. */
  public void deleteRole(String name) {
    calls.caller().call(() -> calls.roleDelete(name));
  }

  /** The role's permissions. */
  public AuthRoleGetResponse role(String name) {
    return calls.caller().call(() -> calls.roleGet(name));
  }

  public List<String> roles() {
    return calls.caller().call(calls::roleList).getRolesList();
  }

  /** Grants {@code role} a permission; granting the same range again replaces its type. */
  public void grantPermission(String role, Permission permission) {
    calls.caller().call(() -> calls.roleGrantPermission(role, permission));
  }

  /** Takes away the role's permission on exactly the range of {@code range} (its type is ignored). */
  public void revokePermission(String role, Permission range) {
    calls.caller().call(() -> calls.roleRevokePermission(role, range));
  }

  /** A permission on one key. */
  public static Permission onKey(Permission.Type type, String key) {
    return Permission.newBuilder().setType(type).setKey(key).build();
  }

  /** A permission on every key with {@code prefix} ("" = every key). */
  public static Permission onPrefix(Permission.Type type, String prefix) {
    return Permission.newBuilder().setType(type).setKey(prefix).setPrefix(true).build();
  }

  /** A permission on [start, end); {@code end} null for every key from {@code start} on. */
  public static Permission onInterval(Permission.Type type, String start, String end) {
    return Permission.newBuilder().setType(type).setKey(start).setRangeEnd(end == null ? "\0" : end).build();
  }
}
