package dev.kvstore.node.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a node issues tokens and hashes passwords.
 *
 * @param tokenTtl   how long a token from {@code Authenticate} is valid (etcd's simple tokens: 300 s)
 * @param bcryptCost bcrypt's cost for new password hashes: 2^cost rounds (etcd's default: 10)
 * @param initialRootPasswordFile a file holding the root password (its first line), with which a new
 *                   cluster adds the user "root" and enables authentication ({@link AuthBootstrap});
 *                   null for none
 */
public record AuthSettings(Duration tokenTtl, int bcryptCost, Path initialRootPasswordFile) {

  /** Tokens valid for 5 minutes, bcrypt cost 10, as etcd; no initial root password. */
  public static final AuthSettings DEFAULTS = new AuthSettings(Duration.ofMinutes(5), PasswordHashes.DEFAULT_COST,
      null);

  /** As the canonical constructor, without an initial root password. */
  public AuthSettings(Duration tokenTtl, int bcryptCost) {
    this(tokenTtl, bcryptCost, null);
  }

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
    if (initialRootPasswordFile != null) {
      initialRootPassword();
    }
    return this;
  }

  /**
   * The first line of {@link #initialRootPasswordFile()}.
   *
   * @throws IllegalArgumentException naming the file when it cannot be read, is empty, or is no
   *     valid password
   */
  public String initialRootPassword() {
    String password;
    try {
      password = Files.readAllLines(initialRootPasswordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
    } catch (IOException e) {
      throw new IllegalArgumentException("--initial-root-password-file " + initialRootPasswordFile
          + " cannot be read: " + e.getMessage(), e);
    }
    String problem = PasswordHashes.problem(password);
    if (problem != null) {
      throw new IllegalArgumentException("--initial-root-password-file " + initialRootPasswordFile + ": " + problem);
    }
    return password;
  }
}
