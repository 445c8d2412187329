package dev.kvstore.statemachine.auth;

import dev.kvstore.statemachine.KeyRange;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The users, roles and settings of authentication at one point of the log: immutable, so a request
 * checked against it sees one consistent state while apply moves on (as etcd's auth store, whose
 * checks also read one revision of it).
 *
 * <p>While authentication is disabled every check passes. Once enabled, a user may do what the
 * union of its roles' permissions covers ({@link RangeCoverage}); the role {@value #ROOT} may do
 * everything.
 */
public final class AuthState {

  /** The built-in role that may do everything, and the user that must hold it before authentication is enabled. */
  public static final String ROOT = "root";
  /** Longest user or role name, in characters. */
  public static final int MAX_NAME_LENGTH = 128;

  /** Authentication off, no users, only the root role. */
  public static final AuthState EMPTY = new AuthState(false, new byte[0], 0, new TreeMap<>(),
      new TreeMap<>(Map.of(ROOT, new Role(ROOT, List.of()))));

  private final boolean enabled;
  private final byte[] tokenKey;
  private final long authRevision;
  private final SortedMap<String, User> users;
  private final SortedMap<String, Role> roles;

  AuthState(boolean enabled, byte[] tokenKey, long authRevision, SortedMap<String, User> users,
      SortedMap<String, Role> roles) {
    this.enabled = enabled;
    this.tokenKey = tokenKey.clone();
    this.authRevision = authRevision;
    this.users = Collections.unmodifiableSortedMap(new TreeMap<>(users));
    this.roles = Collections.unmodifiableSortedMap(new TreeMap<>(roles));
  }

  /** Whether requests must be authenticated and are checked against permissions. */
  public boolean enabled() {
    return enabled;
  }

  /** The key that signs and checks tokens (HMAC-SHA256); empty before authentication was first enabled. */
  public byte[] tokenKey() {
    return tokenKey.clone();
  }

  /** The number of changes made to the auth state so far, as etcd's auth revision. */
  public long authRevision() {
    return authRevision;
  }

  public Optional<User> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  public Optional<Role> role(String name) {
    return Optional.ofNullable(roles.get(name));
  }

  /** Every user, by name. */
  public List<User> users() {
    return List.copyOf(users.values());
  }

  /** Every role, by name, the root role included. */
  public List<Role> roles() {
    return List.copyOf(roles.values());
  }

  /** Whether {@code user} exists and holds the root role. */
  public boolean isRoot(String user) {
    User u = users.get(user);
    return u != null && u.roles().contains(ROOT);
  }

  /**
   * Why {@code user} may not {@code access} {@code range}, or empty when it may: always may while
   * authentication is disabled.
   *
   * @param user the authenticated user; empty for a request that was not authenticated
   * @return a message naming the user, the access and the keys, for a {@code PERMISSION_DENIED} status
   */
  public Optional<String> denial(String user, Access access, KeyRange range) {
    if (!enabled) {
      return Optional.empty();
    }
    if (user.isEmpty()) {
      return Optional.of("authentication is enabled: sign in (a token or a client certificate) to "
          + access.verb() + " " + Permission.describe(range));
    }
    User u = users.get(user);
    if (u == null) {
      return Optional.of("user '" + user + "' does not exist (any more)");
    }
    if (u.roles().contains(ROOT)) {
      return Optional.empty();
    }
    List<KeyRange> granted = u.roles().stream()
        .map(roles::get)
        .filter(r -> r != null)
        .flatMap(r -> r.permissions().stream())
        .filter(p -> p.type().grants(access))
        .map(Permission::range)
        .toList();
    if (RangeCoverage.covers(granted, range)) {
      return Optional.empty();
    }
    return Optional.of("user '" + user + "' may not " + access.verb() + " " + Permission.describe(range)
        + (u.roles().isEmpty() ? ": it has no roles" : ": its roles " + u.roles() + " do not grant it"));
  }

  /**
   * Why {@code user} may not change users, roles or authentication, or empty when it may: the root
   * role may; anyone may while authentication is disabled.
   */
  public Optional<String> adminDenial(String user, String what) {
    if (!enabled || isRoot(user)) {
      return Optional.empty();
    }
    return Optional.of((user.isEmpty() ? "authentication is enabled: sign in as a user with the role 'root'"
        : "user '" + user + "' does not have the role 'root', which") + " " + what + " needs");
  }

  /**
   * What is wrong with a user or role name, or null when nothing is: names are 1 to
   * {@value #MAX_NAME_LENGTH} characters without control characters.
   */
  public static String nameProblem(String what, String name) {
    if (name.isEmpty()) {
      return what + " name must not be empty";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return what + " name is " + name.length() + " characters long; at most " + MAX_NAME_LENGTH + " are allowed";
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      return what + " name '" + name.replaceAll("\\p{Cntrl}", "?") + "' contains control characters";
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuthState other && enabled == other.enabled && authRevision == other.authRevision
        && Arrays.equals(tokenKey, other.tokenKey) && users.equals(other.users) && roles.equals(other.roles);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(authRevision) * 31 + users.hashCode();
  }

  SortedMap<String, User> userMap() {
    return users;
  }

  SortedMap<String, Role> roleMap() {
    return roles;
  }
}
