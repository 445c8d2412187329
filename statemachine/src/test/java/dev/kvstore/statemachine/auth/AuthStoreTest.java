package dev.kvstore.statemachine.auth;

import static dev.kvstore.statemachine.auth.AuthCommands.addRole;
import static dev.kvstore.statemachine.auth.AuthCommands.addUser;
import static dev.kvstore.statemachine.auth.AuthCommands.changePassword;
import static dev.kvstore.statemachine.auth.AuthCommands.deleteRole;
import static dev.kvstore.statemachine.auth.AuthCommands.deleteUser;
import static dev.kvstore.statemachine.auth.AuthCommands.disable;
import static dev.kvstore.statemachine.auth.AuthCommands.enable;
import static dev.kvstore.statemachine.auth.AuthCommands.grant;
import static dev.kvstore.statemachine.auth.AuthCommands.grantRole;
import static dev.kvstore.statemachine.auth.AuthCommands.revoke;
import static dev.kvstore.statemachine.auth.AuthCommands.revokeRole;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.proto.AuthEnableOp;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.StoredPermission.Type;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthStoreTest {

  private final AuthStore auth = new AuthStore();

  private void ok(AuthOp op, String caller) {
    assertThat(auth.apply(op, caller)).as("%s by '%s'", op.getOpCase(), caller).isEmpty();
  }

  private AuthStore.Refused refused(AuthOp op, String caller) {
    Optional<AuthStore.Refused> r = auth.apply(op, caller);
    assertThat(r).as("%s by '%s' should be refused", op.getOpCase(), caller).isPresent();
    return r.get();
  }

  /** root with the root role, alice with a role that reads and writes "app/", authentication on. */
  private void enabledWithAlice() {
    ok(addUser("root", "h-root"), "");
    ok(grantRole("root", AuthState.ROOT), "");
    ok(addUser("alice", "h-alice"), "");
    ok(addRole("app"), "");
    ok(grant("app", Type.READWRITE, "app/", "", true), "");
    ok(grantRole("alice", "app"), "");
    ok(enable(), "");
  }

  @Test
  void enablingNeedsARootUserWithTheRootRole() {
    assertThat(refused(enable(), "").message()).contains("add the user 'root'");
    ok(addUser("root", "h"), "");
    AuthStore.Refused noRole = refused(enable(), "");
    assertThat(noRole.refusal()).isEqualTo(Refusal.AUTH_CONFLICT);
    assertThat(noRole.message()).contains("does not have the role");
    ok(grantRole("root", AuthState.ROOT), "");
    ok(enable(), "");
    assertThat(auth.current().enabled()).isTrue();
    assertThat(auth.current().tokenKey()).hasSize(AuthStore.TOKEN_KEY_BYTES);
  }

  @Test
  void aTokenKeyOfTheWrongSizeIsMalformed() {
    ok(addUser("root", "h"), "");
    ok(grantRole("root", AuthState.ROOT), "");
    AuthOp shortKey = AuthOp.newBuilder().setEnable(AuthEnableOp.newBuilder()
        .setTokenKey(com.google.protobuf.ByteString.copyFrom(new byte[5]))).build();
    assertThat(refused(shortKey, "").refusal()).isEqualTo(Refusal.MALFORMED);
  }

  @Test
  void onceEnabledOnlyTheRootRoleChangesUsersAndRoles() {
    enabledWithAlice();

    AuthStore.Refused byAlice = refused(addUser("mallory", "h"), "alice");
    assertThat(byAlice.refusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    assertThat(byAlice.message()).isEqualTo("user 'alice' does not have the role 'root', which changing users needs");
    assertThat(refused(disable(), "").message()).startsWith("authentication is enabled: sign in");
    ok(addUser("bob", "h-bob"), "root");
    ok(disable(), "root");
    ok(addUser("carol", "h"), "");
  }

  @Test
  void theRootUserAndRoleAreProtectedWhileEnabled() {
    enabledWithAlice();
    assertThat(refused(deleteUser("root"), "root").message()).contains("cannot be deleted while authentication is enabled");
    assertThat(refused(revokeRole("root", AuthState.ROOT), "root").message()).contains("cannot be taken");
    assertThat(refused(deleteRole(AuthState.ROOT), "root").message()).contains("built in");
    assertThat(refused(grant(AuthState.ROOT, Type.READ, "a", "", false), "root").message()).contains("takes no permissions");
  }

  @Test
  void conflictsNameWhatExistsOrIsMissing() {
    ok(addUser("alice", "h"), "");
    assertThat(refused(addUser("alice", "h"), "").message()).isEqualTo("user 'alice' already exists");
    assertThat(refused(deleteUser("bob"), "").message()).isEqualTo("user 'bob' does not exist");
    assertThat(refused(grantRole("alice", "ops"), "").message()).isEqualTo("role 'ops' does not exist");
    assertThat(refused(revokeRole("alice", "root"), "").message()).isEqualTo("user 'alice' does not have the role 'root'");
    ok(addRole("ops"), "");
    assertThat(refused(addRole("ops"), "").message()).isEqualTo("role 'ops' already exists");
    assertThat(refused(addRole(AuthState.ROOT), "").message()).isEqualTo("role 'root' already exists");
    assertThat(refused(revoke("ops", "a", "", false), "").message()).isEqualTo("role 'ops' has no permission on exactly key 'a'");
  }

  @Test
  void badNamesAndRangesAreMalformed() {
    assertThat(refused(addUser("", "h"), "").refusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(refused(addRole("x".repeat(AuthState.MAX_NAME_LENGTH + 1)), "").message()).contains("at most 128");
    assertThat(refused(addUser("a\nb", "h"), "").message()).contains("control characters");
    ok(addRole("r"), "");
    AuthStore.Refused emptyInterval = refused(grant("r", Type.READ, "b", "a", false), "");
    assertThat(emptyInterval.refusal()).isEqualTo(Refusal.MALFORMED);
    assertThat(emptyInterval.message()).contains("is empty");
  }

  @Test
  void permissionsAreCheckedAgainstTheUnionOfTheRolesRanges() {
    enabledWithAlice();
    AuthState s = auth.current();
    assertThat(s.denial("alice", Access.WRITE, KeyRange.key("app/x"))).isEmpty();
    assertThat(s.denial("alice", Access.READ, KeyRange.prefix("app/config/"))).isEmpty();
    assertThat(s.denial("alice", Access.WRITE, KeyRange.key("other")))
        .contains("user 'alice' may not write key 'other': its roles [app] do not grant it");
    assertThat(s.denial("alice", Access.READ, KeyRange.prefix("")))
        .contains("user 'alice' may not read every key: its roles [app] do not grant it");
    assertThat(s.denial("root", Access.WRITE, KeyRange.prefix(""))).isEmpty();
    assertThat(s.denial("", Access.READ, KeyRange.key("app/x"))).get().asString()
        .startsWith("authentication is enabled: sign in");
    assertThat(s.denial("ghost", Access.READ, KeyRange.key("app/x"))).contains("user 'ghost' does not exist (any more)");
  }

  @Test
  void grantingTheSameRangeAgainReplacesItsTypeAndRevokeTakesItAway() {
    enabledWithAlice();
    ok(grant("app", Type.READ, "app/", "", true), "root");
    assertThat(auth.current().role("app").orElseThrow().permissions()).hasSize(1);
    assertThat(auth.current().denial("alice", Access.WRITE, KeyRange.key("app/x"))).isPresent();
    assertThat(auth.current().denial("alice", Access.READ, KeyRange.key("app/x"))).isEmpty();
    ok(revoke("app", "app/", "", true), "root");
    assertThat(auth.current().denial("alice", Access.READ, KeyRange.key("app/x"))).isPresent();
  }

  @Test
  void deletingARoleTakesItFromItsUsers() {
    enabledWithAlice();
    ok(deleteRole("app"), "root");
    assertThat(auth.current().user("alice").orElseThrow().roles()).isEmpty();
    assertThat(auth.current().denial("alice", Access.READ, KeyRange.key("app/x")))
        .contains("user 'alice' may not read key 'app/x': it has no roles");
  }

  @Test
  void aPasswordChangeMovesTheCredentialsRevisionAndEveryChangeTheAuthRevision() {
    ok(addUser("alice", "h1"), "");
    long created = auth.current().user("alice").orElseThrow().credentialsRevision();
    ok(addRole("r"), "");
    ok(changePassword("alice", "h2"), "");
    User alice = auth.current().user("alice").orElseThrow();
    assertThat(alice.passwordHash()).isEqualTo("h2");
    assertThat(alice.credentialsRevision()).isEqualTo(auth.current().authRevision()).isGreaterThan(created);
    long before = auth.current().authRevision();
    ok(grantRole("alice", "r"), "");
    ok(grantRole("alice", "r"), "");
    assertThat(auth.current().authRevision()).as("a grant that changes nothing takes no revision").isEqualTo(before + 1);
  }

  @Test
  void aSnapshotOfTheStateLoadsIntoAnEqualState() {
    enabledWithAlice();
    ok(grant("app", Type.WRITE, "logs/", "\0", false), "root");
    AuthStore copy = new AuthStore();
    copy.reset(auth.stored());
    assertThat(copy.current()).isEqualTo(auth.current());
    assertThat(copy.current().role("app").orElseThrow().permissions())
        .containsExactlyElementsOf(auth.current().role("app").orElseThrow().permissions());
  }
}
