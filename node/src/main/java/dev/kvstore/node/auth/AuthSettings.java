package dev.kvstore.node.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node issues tokens and hashes passwords.
 *
 * @param tokenTtl   how long a token from {@code Authenticate} is valid (etcd's simple tokens: 300 s)
 * @param bcryptCost bcrypt's cost for new password hashes: 2^cost rounds (etcd's default: 10)
 */
public record AuthSettings(Duration tokenTtl, int bcryptCost) {

  /** Tokens valid for 5 minutes, bcrypt cost 10, as etcd. */
  public static final AuthSettings DEFAULTS = new AuthSettings(Duration.ofMinutes(5), PasswordHashes.DEFAULT_COST);

  public AuthSettings {
    Objects.requireNonNull(tokenTtl, "tokenTtl");
  }

  /**
   * @throws IllegalArgumentException naming the setting and what is allowed
   */
  public AuthSettings validate() {
    if (tokenTtl.compareTo(Duration.ofSeconds(1)) < 0 || tokenTtl.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("--auth-token-ttl is " + tokenTtl.toSeconds() + " s; use 1 s to 1 day");
    }
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw new IllegalArgumentException("--auth-bcrypt-cost is " + bcryptCost + "; use 4 to 31 (10 is etcd's)");
    }
    return this;
  }
}
