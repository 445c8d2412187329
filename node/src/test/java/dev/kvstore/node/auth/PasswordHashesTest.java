package dev.kvstore.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class PasswordHashesTest {

  /** The lowest cost bcrypt allows: the format and checks are the same, the test is fast. */
  private final PasswordHashes hashes = new PasswordHashes(4, new SecureRandom());

  @Test
  void aHashMatchesItsPasswordOnlyAndNeverContainsIt() {
    String hash = hashes.hash("correct horse");
    assertThat(hash).startsWith("$2y$04$").doesNotContain("correct horse");
    assertThat(PasswordHashes.matches(hash, "correct horse")).isTrue();
    assertThat(PasswordHashes.matches(hash, "correct horsE")).isFalse();
    assertThat(PasswordHashes.matches(hash, "")).isFalse();
  }

  @Test
  void twoHashesOfOnePasswordDifferByTheirSalt() {
    assertThat(hashes.hash("pw")).isNotEqualTo(hashes.hash("pw"));
  }

  @Test
  void aSeededHashIsTheSameForTheSameSeedSoARetryProposesTheSameCommand() {
    byte[] seed = "client-1/seq-7".getBytes(StandardCharsets.UTF_8);
    String first = hashes.hashSeeded("pw", seed);
    assertThat(hashes.hashSeeded("pw", seed)).isEqualTo(first);
    assertThat(hashes.hashSeeded("pw", "client-1/seq-8".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(first);
    assertThat(PasswordHashes.matches(first, "pw")).isTrue();
  }

  @Test
  void passwordsBcryptWouldCutOrEmptyOnesAreRefused() {
    assertThat(PasswordHashes.problem("x".repeat(72))).isNull();
    assertThat(PasswordHashes.problem("x".repeat(73))).contains("73 bytes").contains("at most 72");
    assertThat(PasswordHashes.problem("é".repeat(37))).as("74 bytes in UTF-8").contains("74 bytes");
    assertThat(PasswordHashes.problem("")).contains("must not be empty");
    assertThatThrownBy(() -> hashes.hash("x".repeat(100))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMalformedOrMissingHashMatchesNothing() {
    assertThat(PasswordHashes.matches("", "pw")).isFalse();
    assertThat(PasswordHashes.matches("not-a-hash", "pw")).isFalse();
    assertThat(PasswordHashes.matches("$2y$04$short", "pw")).isFalse();
  }
}
