package dev.kvstore.statemachine.auth;

import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A user of the auth store.
 *
 * @param name                its name (also the common name of its client certificate)
 * @param passwordHash        its password as a bcrypt hash; empty for a user that can only
 *                            authenticate with a client certificate
 * @param roles               the names of its roles, sorted
 * @param credentialsRevision the auth revision at which it was created or its password last
 *                            changed: tokens issued before it are refused
 */
public record User(String name, String passwordHash, SortedSet<String> roles, long credentialsRevision) {

  public User {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(passwordHash, "passwordHash");
    roles = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(roles));
  }

  /** Whether it has a password (users without one sign in with a client certificate only). */
  public boolean hasPassword() {
    return !passwordHash.isEmpty();
  }
}
