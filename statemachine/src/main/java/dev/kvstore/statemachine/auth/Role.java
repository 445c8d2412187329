package dev.kvstore.statemachine.auth;

import java.util.List;
import java.util.Objects;

/**
 * A named set of permissions. The role {@value AuthState#ROOT} is built in: it may do everything,
 * including changing users and roles, and holds no permissions of its own.
 *
 * @param name        its name
 * @param permissions what it grants, in the order granted; at most one per range
 */
public record Role(String name, List<Permission> permissions) {

  public Role {
    Objects.requireNonNull(name, "name");
    permissions = List.copyOf(permissions);
  }
}
