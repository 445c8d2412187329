package dev.kvstore.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.User;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * Signed tokens that say who a caller is: a JWT (HMAC-SHA256) with the user, its credentials
 * revision and an expiry, signed with the cluster's token key (replicated when authentication is
 * enabled, so any member checks what any member issued, as etcd's JWT tokens with a shared key).
 *
 * <p>A token stops working when it expires, when authentication is enabled again (a new key), when
 * its user is deleted, or when its user's password changes (the credentials revision moves).
 * Members compare expiry with their own clocks: a token may live up to the clocks' difference
 * longer or shorter than its TTL.
 */
public final class AuthTokens {

  private static final String CREDENTIALS_REVISION = "crev";

  private final Clock clock;
  private final Duration ttl;

  /** @param ttl how long a token is valid from its issue (at least a second) */
  public AuthTokens(Clock clock, Duration ttl) {
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("token TTL must be at least 1 s, got " + ttl);
    }
    this.clock = clock;
    this.ttl = ttl;
  }

  /** How long a token is valid from its issue. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * A token for {@code user} signed with {@code auth}'s key.
   *
   * @throws IllegalStateException when authentication has never been enabled (no key)
   */
  public String issue(User user, AuthState auth) {
    byte[] key = auth.tokenKey();
    if (key.length == 0) {
      throw new IllegalStateException("no token key: authentication has never been enabled");
    }
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(user.name())
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .claim(CREDENTIALS_REVISION, user.credentialsRevision())
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** Who a token names, or why it is refused. */
  public sealed interface Verdict {
    /** The token is good: it names {@code user}. */
    record Valid(String user) implements Verdict {}

    /** The token is refused; {@code reason} says why, for an {@code UNAUTHENTICATED} status. */
    record Refused(String reason) implements Verdict {}

    /**
     * The token was issued after auth changes this node has not applied yet (a user added or a
     * password changed since its state): another node, or this one a little later, can check it.
     * For an {@code UNAVAILABLE} status, which clients retry elsewhere.
     */
    record Behind(String reason) implements Verdict {}
  }

  /** Checks {@code token} against {@code auth}: signature, expiry, user and credentials. */
  public Verdict verify(String token, AuthState auth) {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return new Verdict.Refused("the token is not a token this cluster issued (it does not parse)");
    }
    byte[] key = auth.tokenKey();
    try {
      if (key.length == 0 || !JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
          || !jwt.verify(new MACVerifier(key))) {
        return new Verdict.Refused("the token's signature does not match this cluster's key (forged, or issued"
            + " before authentication was last enabled): authenticate again");
      }
    } catch (JOSEException e) {
      return new Verdict.Refused("the token's signature cannot be checked: " + e.getMessage());
    }
    Date expires = claims.getExpirationTime();
    if (expires == null || !clock.instant().isBefore(expires.toInstant())) {
      return new Verdict.Refused("the token expired" + (expires == null ? "" : " at " + expires.toInstant())
          + ": authenticate again");
    }
    String name = claims.getSubject();
    Object revision = claims.getClaim(CREDENTIALS_REVISION);
    if (revision instanceof Number n && n.longValue() > auth.authRevision()) {
      return new Verdict.Behind("this node has applied auth changes up to auth revision " + auth.authRevision()
          + " but the token was issued at " + n.longValue() + "; another node can check it");
    }
    Optional<User> user = name == null ? Optional.empty() : auth.user(name);
    if (user.isEmpty()) {
      return new Verdict.Refused("the token's user '" + name + "' no longer exists");
    }
    if (!(revision instanceof Number n) || n.longValue() != user.get().credentialsRevision()) {
      return new Verdict.Refused("the password of user '" + name + "' changed after the token was issued:"
          + " authenticate again");
    }
    return new Verdict.Valid(name);
  }
}
