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

  /**
   * Hashes stored by earlier kvstore versions (Bouncy Castle's OpenBSDBCrypt, in the Raft logs and
   * snapshots of running clusters) still verify, and the same salt still gives the same hash, so
   * a seeded hash proposed by a node of either version is the same command.
   */
  @Test
  void hashesMadeByBouncyCastleStillVerifyAndTheSameSaltGivesTheSameHash() {
    byte[] salt = new byte[16];
    for (int i = 0; i < salt.length; i++) {
      salt[i] = (byte) (i * 17 + 3);
    }
    String bouncyCastle4 = "$2y$04$.vOjLibWYVoJlI08x8Bv.eTnaV6ec5xbo4TZGLKozq2VBTJz0gEU6";
    String bouncyCastle5 = "$2y$05$.vOjLibWYVoJlI08x8Bv.edajMo1h2L6WZTE9ad7ZlmFLvatTR8Za";
    assertThat(PasswordHashes.matches(bouncyCastle4, "kvstore-secret")).isTrue();
    assertThat(PasswordHashes.matches(bouncyCastle5, "p\u00e4ssw\u00f6rd\u20ac")).isTrue();
    assertThat(PasswordHashes.matches(bouncyCastle5, "passwort")).isFalse();
    assertThat(hashes.hash("kvstore-secret", salt)).isEqualTo(bouncyCastle4);
    assertThat(new PasswordHashes(5, new SecureRandom()).hash("p\u00e4ssw\u00f6rd\u20ac", salt)).isEqualTo(bouncyCastle5);
  }

  /** OpenBSD's $2a$ and $2b$ hashes (etcd's Go bcrypt writes $2a$) verify too: the openwall test vector. */
  @Test
  void twoATwoBHashesVerify() {
    assertThat(PasswordHashes.matches("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U")).isTrue();
    assertThat(PasswordHashes.matches("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U")).isTrue();
    assertThat(PasswordHashes.matches("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*V")).isFalse();
  }
}
