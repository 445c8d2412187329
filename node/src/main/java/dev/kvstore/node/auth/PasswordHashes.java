package dev.kvstore.node.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Passwords as bcrypt hashes (Patrick Favre's bcrypt library, the {@code $2y$} format), as etcd
 * stores them: salted, slow on purpose, and never the password itself in the Raft log, a snapshot or
 * a log line. {@code $2a$} and {@code $2b$} hashes (etcd's, or made elsewhere) verify as well.
 *
 * <p>bcrypt reads at most {@value #MAX_PASSWORD_BYTES} bytes of a password; longer ones are refused
 * rather than silently cut, so that two passwords differing only after that point are never equal.
 */
public final class PasswordHashes {

  /** etcd's default bcrypt cost: 2^10 rounds, tens of milliseconds per hash. */
  public static final int DEFAULT_COST = 10;
  /** The most bytes (UTF-8) of a password bcrypt uses. */
  public static final int MAX_PASSWORD_BYTES = 72;
  private static final int SALT_BYTES = 16;

  private final int cost;
  private final SecureRandom random;

  /**
   * @param cost bcrypt's cost: 2^cost rounds (4 to 31)
   * @throws IllegalArgumentException for a cost outside 4..31
   */
  public PasswordHashes(int cost, SecureRandom random) {
    if (cost < 4 || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost must be 4 to 31, got " + cost);
    }
    this.cost = cost;
    this.random = random;
  }

  /** What is wrong with {@code password} as a password, or null when nothing is. */
  public static String problem(String password) {
    if (password.isEmpty()) {
      return "the password must not be empty (add the user with no password to let it sign in with a client"
          + " certificate only)";
    }
    int bytes = password.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_PASSWORD_BYTES) {
      return "the password is " + bytes + " bytes long in UTF-8; bcrypt uses at most " + MAX_PASSWORD_BYTES;
    }
    return null;
  }

  /**
   * The hash of {@code password} with a random salt.
   *
   * @throws IllegalArgumentException when {@link #problem} finds something wrong with it
   */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return hash(password, salt);
  }

  /**
   * The hash of {@code password} with a salt derived from {@code seed}: a retried request (same
   * request id, on any node) must propose the same command, so the salt cannot be drawn anew. The
   * seed is unique per request, which is all a salt must be.
   */
  public String hashSeeded(String password, byte[] seed) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(seed);
      return hash(password, Arrays.copyOf(digest, SALT_BYTES));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The hash of {@code password} with {@code salt} (16 bytes); package-private for the format tests. */
  String hash(String password, byte[] salt) {
    String problem = problem(password);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hash(cost, salt, password.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.US_ASCII);
  }

  /** Whether {@code password} is the one {@code hash} was made from; false for an empty or malformed hash. */
  public static boolean matches(String hash, String password) {
    if (hash.isEmpty() || password.isEmpty()) {
      return false;
    }
    try {
      return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.US_ASCII))
          .verified;
    } catch (IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }
}
