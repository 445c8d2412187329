package dev.kvstore.statemachine.auth;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.RoleGrantPermissionOp;
import dev.kvstore.statemachine.proto.RoleRevokePermissionOp;
import dev.kvstore.statemachine.proto.StoredAuth;
import dev.kvstore.statemachine.proto.StoredRole;
import dev.kvstore.statemachine.proto.StoredUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated users, roles and authentication setting, changed only by applied {@link AuthOp}s
 * (as etcd's auth store): every replica makes the same change, or refuses it, at the same point of
 * the log. Apply runs on one thread; readers on any thread get a whole {@link AuthState}.
 */
public final class AuthStore {

  /** Bytes of the token key an {@code AuthEnableOp} carries. */
  public static final int TOKEN_KEY_BYTES = 32;

  private volatile AuthState state = AuthState.EMPTY;

  /** Why an auth op changed nothing, for the command's result. */
  public record Refused(Refusal refusal, String message) {}

  /** The state as applied so far. */
  public AuthState current() {
    return state;
  }

  /**
   * Applies {@code op}, asked for by {@code caller} (empty when authentication was off when the
   * node checked the request): every op needs the root role once authentication is enabled.
   *
   * @return why it was refused (and changed nothing), or empty when it was applied
   */
  public Optional<Refused> apply(AuthOp op, String caller) {
    AuthState s = state;
    Optional<String> denied = s.adminDenial(caller, describe(op));
    if (denied.isPresent()) {
      return refused(Refusal.PERMISSION_DENIED, denied.get());
    }
    Change change = new Change(s);
    Optional<Refused> refused = switch (op.getOpCase()) {
      case ENABLE -> change.enable(op.getEnable().getTokenKey());
      case DISABLE -> change.disable();
      case USER_ADD -> change.addUser(op.getUserAdd().getName(), op.getUserAdd().getPasswordHash());
      case USER_DELETE -> change.deleteUser(op.getUserDelete().getName());
      case USER_CHANGE_PASSWORD -> change.changePassword(op.getUserChangePassword().getName(),
          op.getUserChangePassword().getPasswordHash());
      case USER_GRANT_ROLE -> change.grantRole(op.getUserGrantRole().getUser(), op.getUserGrantRole().getRole());
      case USER_REVOKE_ROLE -> change.revokeRole(op.getUserRevokeRole().getUser(), op.getUserRevokeRole().getRole());
      case ROLE_ADD -> change.addRole(op.getRoleAdd().getName());
      case ROLE_DELETE -> change.deleteRole(op.getRoleDelete().getName());
      case ROLE_GRANT_PERMISSION -> change.grantPermission(op.getRoleGrantPermission());
      case ROLE_REVOKE_PERMISSION -> change.revokePermission(op.getRoleRevokePermission());
      case OP_NOT_SET -> refused(Refusal.MALFORMED, "an auth command without an operation");
    };
    if (refused.isEmpty() && change.changed) {
      state = change.result();
    }
    return refused;
  }

  /** Replaces the state with a snapshot's. */
  public void reset(StoredAuth stored) {
    SortedMap<String, User> users = new TreeMap<>();
    for (StoredUser u : stored.getUsersList()) {
      users.put(u.getName(), new User(u.getName(), u.getPasswordHash(), new TreeSet<>(u.getRolesList()),
          u.getCredentialsRevision()));
    }
    SortedMap<String, Role> roles = new TreeMap<>(AuthState.EMPTY.roleMap());
    for (StoredRole r : stored.getRolesList()) {
      roles.put(r.getName(), new Role(r.getName(), r.getPermissionsList().stream().map(Permission::of).toList()));
    }
    state = new AuthState(stored.getEnabled(), stored.getTokenKey().toByteArray(), stored.getAuthRevision(), users,
        roles);
  }

  /** The state as snapshots carry it (the built-in root role left out). */
  public StoredAuth stored() {
    AuthState s = state;
    StoredAuth.Builder b = StoredAuth.newBuilder()
        .setEnabled(s.enabled())
        .setTokenKey(ByteString.copyFrom(s.tokenKey()))
        .setAuthRevision(s.authRevision());
    for (User u : s.users()) {
      b.addUsers(StoredUser.newBuilder().setName(u.name()).setPasswordHash(u.passwordHash())
          .addAllRoles(u.roles()).setCredentialsRevision(u.credentialsRevision()));
    }
    for (Role r : s.roles()) {
      if (!r.name().equals(AuthState.ROOT)) {
        b.addRoles(StoredRole.newBuilder().setName(r.name())
            .addAllPermissions(r.permissions().stream().map(Permission::toStored).toList()));
      }
    }
    return b.build();
  }

  private static String describe(AuthOp op) {
    return switch (op.getOpCase()) {
      case ENABLE -> "enabling authentication";
      case DISABLE -> "disabling authentication";
      case USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE -> "changing users";
      case ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> "changing roles";
      case OP_NOT_SET -> "an auth change";
    };
  }

  private static Optional<Refused> refused(Refusal refusal, String message) {
    return Optional.of(new Refused(refusal, message));
  }

  /** One op's change, made on copies of the maps and published whole. */
  private static final class Change {
    private final AuthState before;
    private boolean enabled;
    private byte[] tokenKey;
    private final SortedMap<String, User> users;
    private final SortedMap<String, Role> roles;
    private boolean changed;

    Change(AuthState before) {
      this.before = before;
      this.enabled = before.enabled();
      this.tokenKey = before.tokenKey();
      this.users = new TreeMap<>(before.userMap());
      this.roles = new TreeMap<>(before.roleMap());
    }

    AuthState result() {
      return new AuthState(enabled, tokenKey, before.authRevision() + 1, users, roles);
    }

    /** The auth revision this change will have: what a user's credentials revision is set to. */
    private long revision() {
      return before.authRevision() + 1;
    }

    private Optional<Refused> done() {
      changed = true;
      return Optional.empty();
    }

    Optional<Refused> enable(ByteString key) {
      if (enabled) {
        return Optional.empty();
      }
      if (key.size() != TOKEN_KEY_BYTES) {
        return refused(Refusal.MALFORMED, "the token key has " + key.size() + " bytes; " + TOKEN_KEY_BYTES
            + " are needed");
      }
      if (!before.isRoot(AuthState.ROOT)) {
        return refused(Refusal.AUTH_CONFLICT, "authentication needs a user 'root' with the role 'root' first"
            + (users.containsKey(AuthState.ROOT) ? " (user 'root' exists but does not have the role)"
            : " (add the user 'root')"));
      }
      enabled = true;
      tokenKey = key.toByteArray();
      return done();
    }

    Optional<Refused> disable() {
      if (!enabled) {
        return Optional.empty();
      }
      enabled = false;
      return done();
    }

    Optional<Refused> addUser(String name, String passwordHash) {
      Optional<Refused> bad = badName("user", name);
      if (bad.isPresent()) {
        return bad;
      }
      if (users.containsKey(name)) {
        return refused(Refusal.AUTH_CONFLICT, "user '" + name + "' already exists");
      }
      users.put(name, new User(name, passwordHash, new TreeSet<>(), revision()));
      return done();
    }

    Optional<Refused> deleteUser(String name) {
      Optional<Refused> missing = missingUser(name);
      if (missing.isPresent()) {
        return missing;
      }
      if (enabled && name.equals(AuthState.ROOT)) {
        return refused(Refusal.AUTH_CONFLICT, "the user 'root' cannot be deleted while authentication is enabled");
      }
      users.remove(name);
      return done();
    }

    Optional<Refused> changePassword(String name, String passwordHash) {
      Optional<Refused> missing = missingUser(name);
      if (missing.isPresent()) {
        return missing;
      }
      User u = users.get(name);
      users.put(name, new User(name, passwordHash, u.roles(), revision()));
      return done();
    }

    Optional<Refused> grantRole(String user, String role) {
      Optional<Refused> missing = missingUser(user).or(() -> missingRole(role));
      if (missing.isPresent()) {
        return missing;
      }
      User u = users.get(user);
      if (u.roles().contains(role)) {
        return Optional.empty();
      }
      TreeSet<String> roleNames = new TreeSet<>(u.roles());
      roleNames.add(role);
      users.put(user, new User(user, u.passwordHash(), roleNames, u.credentialsRevision()));
      return done();
    }

    Optional<Refused> revokeRole(String user, String role) {
      Optional<Refused> missing = missingUser(user);
      if (missing.isPresent()) {
        return missing;
      }
      User u = users.get(user);
      if (!u.roles().contains(role)) {
        return refused(Refusal.AUTH_CONFLICT, "user '" + user + "' does not have the role '" + role + "'");
      }
      if (enabled && user.equals(AuthState.ROOT) && role.equals(AuthState.ROOT)) {
        return refused(Refusal.AUTH_CONFLICT,
            "the role 'root' cannot be taken from the user 'root' while authentication is enabled");
      }
      TreeSet<String> roleNames = new TreeSet<>(u.roles());
      roleNames.remove(role);
      users.put(user, new User(user, u.passwordHash(), roleNames, u.credentialsRevision()));
      return done();
    }

    Optional<Refused> addRole(String name) {
      Optional<Refused> bad = badName("role", name);
      if (bad.isPresent()) {
        return bad;
      }
      if (roles.containsKey(name)) {
        return refused(Refusal.AUTH_CONFLICT, "role '" + name + "' already exists");
      }
      roles.put(name, new Role(name, List.of()));
      return done();
    }

    Optional<Refused> deleteRole(String name) {
      if (name.equals(AuthState.ROOT)) {
        return refused(Refusal.AUTH_CONFLICT, "the role 'root' is built in and cannot be deleted");
      }
      Optional<Refused> missing = missingRole(name);
      if (missing.isPresent()) {
        return missing;
      }
      roles.remove(name);
      // As etcd: the users that held it lose it.
      users.replaceAll((n, u) -> {
        if (!u.roles().contains(name)) {
          return u;
        }
        TreeSet<String> roleNames = new TreeSet<>(u.roles());
        roleNames.remove(name);
        return new User(n, u.passwordHash(), roleNames, u.credentialsRevision());
      });
      return done();
    }

    Optional<Refused> grantPermission(RoleGrantPermissionOp op) {
      Optional<Refused> target = permissionRole(op.getRole());
      if (target.isPresent()) {
        return target;
      }
      Permission granted;
      try {
        granted = Permission.of(op.getPermission());
      } catch (IllegalArgumentException e) {
        return refused(Refusal.MALFORMED, "invalid permission: " + e.getMessage());
      }
      List<Permission> permissions = new ArrayList<>(roles.get(op.getRole()).permissions());
      permissions.removeIf(p -> p.range().equals(granted.range()));
      permissions.add(granted);
      roles.put(op.getRole(), new Role(op.getRole(), permissions));
      return done();
    }

    Optional<Refused> revokePermission(RoleRevokePermissionOp op) {
      Optional<Refused> target = permissionRole(op.getRole());
      if (target.isPresent()) {
        return target;
      }
      Permission revoked;
      try {
        revoked = Permission.of(op.getPermission());
      } catch (IllegalArgumentException e) {
        return refused(Refusal.MALFORMED, "invalid permission: " + e.getMessage());
      }
      List<Permission> permissions = new ArrayList<>(roles.get(op.getRole()).permissions());
      if (!permissions.removeIf(p -> p.range().equals(revoked.range()))) {
        return refused(Refusal.AUTH_CONFLICT, "role '" + op.getRole() + "' has no permission on exactly "
            + Permission.describe(revoked.range()));
      }
      roles.put(op.getRole(), new Role(op.getRole(), permissions));
      return done();
    }

    private Optional<Refused> permissionRole(String role) {
      if (role.equals(AuthState.ROOT)) {
        return refused(Refusal.AUTH_CONFLICT, "the role 'root' may do everything; it takes no permissions");
      }
      return missingRole(role);
    }

    private Optional<Refused> missingUser(String name) {
      return users.containsKey(name) ? Optional.empty()
          : refused(Refusal.AUTH_CONFLICT, "user '" + name + "' does not exist");
    }

    private Optional<Refused> missingRole(String name) {
      return roles.containsKey(name) ? Optional.empty()
          : refused(Refusal.AUTH_CONFLICT, "role '" + name + "' does not exist");
    }

    private static Optional<Refused> badName(String what, String name) {
      String problem = AuthState.nameProblem(what, name);
      return problem == null ? Optional.empty() : refused(Refusal.MALFORMED, problem);
    }
  }
}
