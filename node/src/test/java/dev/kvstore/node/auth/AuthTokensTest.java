package dev.kvstore.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.AuthEnableOp;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.UserAddOp;
import dev.kvstore.statemachine.proto.UserChangePasswordOp;
import dev.kvstore.statemachine.proto.UserDeleteOp;
import dev.kvstore.statemachine.proto.UserGrantRoleOp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuthTokensTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final AuthTokens tokens = new AuthTokens(clock, Duration.ofMinutes(5));
  private final AuthStore auth = new AuthStore();

  /** A clock tests move by hand. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private void apply(AuthOp op) {
    assertThat(auth.apply(op, "root")).isEmpty();
  }

  private static AuthOp enableWithKey(byte fill) {
    byte[] key = new byte[AuthStore.TOKEN_KEY_BYTES];
    java.util.Arrays.fill(key, fill);
    return AuthOp.newBuilder().setEnable(AuthEnableOp.newBuilder().setTokenKey(ByteString.copyFrom(key))).build();
  }

  @BeforeEach
  void rootAndAlice() {
    apply(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName("root").setPasswordHash("h")).build());
    apply(AuthOp.newBuilder().setUserGrantRole(UserGrantRoleOp.newBuilder().setUser("root").setRole(AuthState.ROOT)).build());
    apply(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName("alice").setPasswordHash("h")).build());
    apply(enableWithKey((byte) 1));
  }

  private String aliceToken() {
    return tokens.issue(auth.current().user("alice").orElseThrow(), auth.current());
  }

  @Test
  void aFreshTokenNamesItsUser() {
    assertThat(tokens.verify(aliceToken(), auth.current())).isEqualTo(new AuthTokens.Verdict.Valid("alice"));
  }

  @Test
  void aTokenExpiresAfterItsTtl() {
    String token = aliceToken();
    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(tokens.verify(token, auth.current())).isInstanceOf(AuthTokens.Verdict.Valid.class);
    clock.advance(Duration.ofSeconds(1));
    assertThat(tokens.verify(token, auth.current())).isEqualTo(
        new AuthTokens.Verdict.Refused("the token expired at 2026-12-01T00:05:00Z: authenticate again"));
  }

  @Test
  void aForgedTokenIsRefused() {
    String token = aliceToken();
    String[] parts = token.split("\\.");
    // the same claims with the user changed to root, keeping alice's signature
    String claims = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"alice\"", "\"root\"");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes())
        + "." + parts[2];
    assertThat(tokens.verify(forged, auth.current())).isInstanceOf(AuthTokens.Verdict.Refused.class)
        .asString().contains("signature does not match");
    assertThat(tokens.verify("garbage", auth.current())).asString().contains("does not parse");
    // signed with another key: a token of another cluster
    AuthStore other = new AuthStore();
    other.reset(auth.stored());
    assertThat(other.apply(AuthOp.newBuilder().setDisable(dev.kvstore.statemachine.proto.AuthDisableOp.getDefaultInstance()).build(), "root")).isEmpty();
    assertThat(other.apply(enableWithKey((byte) 2), "")).isEmpty();
    assertThat(tokens.verify(tokens.issue(other.current().user("alice").orElseThrow(), other.current()), auth.current()))
        .asString().contains("signature does not match");
  }

  @Test
  void aPasswordChangeOrADeletionEndsTheUsersTokens() {
    String token = aliceToken();
    apply(AuthOp.newBuilder().setUserChangePassword(UserChangePasswordOp.newBuilder().setName("alice")
        .setPasswordHash("h2")).build());
    assertThat(tokens.verify(token, auth.current())).asString().contains("password of user 'alice' changed");
    String fresh = aliceToken();
    apply(AuthOp.newBuilder().setUserDelete(UserDeleteOp.newBuilder().setName("alice")).build());
    assertThat(tokens.verify(fresh, auth.current())).asString().contains("'alice' no longer exists");
  }

  @Test
  void enablingAgainEndsEveryEarlierToken() {
    String token = aliceToken();
    apply(AuthOp.newBuilder().setDisable(dev.kvstore.statemachine.proto.AuthDisableOp.getDefaultInstance()).build());
    assertThat(auth.apply(enableWithKey((byte) 3), "")).isEmpty();
    assertThat(tokens.verify(token, auth.current())).asString().contains("signature does not match");
  }

  @Test
  void aNodeThatHasNotAppliedTheTokensUserYetSaysItIsBehindNotThatTheUserIsUnknown() {
    AuthStore lagging = new AuthStore();
    lagging.reset(auth.stored());
    apply(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName("bob").setPasswordHash("h")).build());
    String bob = tokens.issue(auth.current().user("bob").orElseThrow(), auth.current());

    assertThat(tokens.verify(bob, lagging.current())).isInstanceOf(AuthTokens.Verdict.Behind.class)
        .asString().contains("another node can check it");
    assertThat(tokens.verify(bob, auth.current())).isEqualTo(new AuthTokens.Verdict.Valid("bob"));
  }
}
