package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TxnCommands.compare;
import static dev.kvstore.statemachine.TxnCommands.deleteOp;
import static dev.kvstore.statemachine.TxnCommands.deletePrefix;
import static dev.kvstore.statemachine.TxnCommands.putOp;
import static dev.kvstore.statemachine.TxnCommands.txn;
import static dev.kvstore.statemachine.auth.AuthCommands.addRole;
import static dev.kvstore.statemachine.auth.AuthCommands.addUser;
import static dev.kvstore.statemachine.auth.AuthCommands.enable;
import static dev.kvstore.statemachine.auth.AuthCommands.grant;
import static dev.kvstore.statemachine.auth.AuthCommands.grantRole;
import static dev.kvstore.statemachine.auth.AuthCommands.revoke;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Caller;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.CompactOp;
import dev.kvstore.statemachine.proto.LeaseGrantOp;
import dev.kvstore.statemachine.proto.LeaseRevokeOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.Refusal;
import dev.kvstore.statemachine.proto.StoredPermission.Type;
import dev.kvstore.statemachine.proto.TxnCompare;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Apply checks the caller's permissions against the auth state at that point of the log. */
class CommandPermissionsTest {

  private final MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
  private final AuthStore auth = new AuthStore();
  private final CommandApplier applier =
      new CommandApplier(store, new AppliedRequests(), new WatchHub(store, 10), new Leases(), auth);

  private static Command by(String user, Command command) {
    return command.toBuilder().setCaller(Caller.newBuilder().setUser(user)).build();
  }

  private static Command authOp(String user, AuthOp op) {
    return Command.newBuilder().setAuth(op).setCaller(Caller.newBuilder().setUser(user)).build();
  }

  private CommandResult apply(Command command) {
    return applier.apply(command);
  }

  private void applied(Command command) {
    assertThat(apply(command).getError()).isEmpty();
  }

  @BeforeEach
  void aliceMayWriteApp() {
    applied(authOp("", addUser("root", "h")));
    applied(authOp("", grantRole("root", AuthState.ROOT)));
    applied(authOp("", addUser("alice", "h")));
    applied(authOp("", addRole("app")));
    applied(authOp("", grant("app", Type.READWRITE, "app/", "", true)));
    applied(authOp("", grantRole("alice", "app")));
    applied(authOp("", enable()));
  }

  @Test
  void aWriteOutsideTheUsersRangesIsRefusedAndChangesNothing() {
    long before = store.revision();
    CommandResult r = apply(by("alice", put("other", "x")));
    assertThat(r.getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    assertThat(r.getError()).isEqualTo("user 'alice' may not write key 'other': its roles [app] do not grant it");
    assertThat(store.revision()).isEqualTo(before);
    applied(by("alice", put("app/x", "1")));
  }

  @Test
  void aPermissionRevokedWhileTheWriteWaitedInTheLogIsNotUsed() {
    // The node checked alice's write when it arrived; a revoke was ordered before it in the log.
    applied(authOp("root", revoke("app", "app/", "", true)));
    assertThat(apply(by("alice", put("app/x", "1"))).getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
  }

  @Test
  void aRequestCheckedBeforeAuthenticationWasEnabledMustSignIn() {
    CommandResult r = apply(by("", put("app/x", "1")));
    assertThat(r.getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    assertThat(r.getError()).startsWith("authentication is enabled: sign in");
  }

  @Test
  void theClustersOwnCommandsCarryNoCallerAndPass() {
    applied(put("anything", "x"));
  }

  @Test
  void aTransactionNeedsEveryCompareAndEveryOpOfBothBranches() {
    Command readsOutside = txn(List.of(compare("secret", TxnCompare.Target.VERSION, TxnCompare.Result.EQUAL, 0)),
        List.of(putOp("app/x", "1")), List.of());
    assertThat(apply(by("alice", readsOutside)).getError()).isEqualTo(
        "user 'alice' may not read key 'secret': its roles [app] do not grant it");
    Command failureWritesOutside = txn(List.of(), List.of(putOp("app/x", "1")),
        List.of(deleteOp(deletePrefix("other/"))));
    assertThat(apply(by("alice", failureWritesOutside)).getError()).isEqualTo(
        "user 'alice' may not write keys with prefix 'other/': its roles [app] do not grant it");
    applied(by("alice", txn(List.of(compare("app/x", TxnCompare.Target.VERSION, TxnCompare.Result.EQUAL, 0)),
        List.of(putOp("app/x", "1")), List.of(deleteOp(deletePrefix("app/"))))));
  }

  @Test
  void aWriteThatReturnsThePreviousValueNeedsReadToo() {
    applied(authOp("root", addRole("writer")));
    applied(authOp("root", grant("writer", Type.WRITE, "logs/", "", true)));
    applied(authOp("root", grantRole("alice", "writer")));
    applied(by("alice", put("logs/1", "x")));
    Command withPrev = Command.newBuilder().setPut(PutOp.newBuilder().setKey("logs/1")
        .setValue(ByteString.copyFromUtf8("y")).setPrevKv(true)).build();
    assertThat(apply(by("alice", withPrev)).getError()).contains("may not read key 'logs/1'");
  }

  @Test
  void revokingALeaseNeedsWriteOnEveryAttachedKey() {
    applied(Command.newBuilder().setLeaseGrant(LeaseGrantOp.newBuilder().setId(5).setTtl(60)).build());
    applied(Command.newBuilder().setPut(PutOp.newBuilder().setKey("other/k").setLease(5)).build());
    CommandResult r = apply(by("alice",
        Command.newBuilder().setLeaseRevoke(LeaseRevokeOp.newBuilder().setId(5)).build()));
    assertThat(r.getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    assertThat(r.getError()).contains("key 'other/k'").contains("attached to lease 5");
    applied(by("root", Command.newBuilder().setLeaseRevoke(LeaseRevokeOp.newBuilder().setId(5)).build()));
  }

  @Test
  void compactionNeedsTheRootRole() {
    applied(put("a", "1"));
    applied(put("a", "2"));
    Command compact = Command.newBuilder().setCompact(CompactOp.newBuilder().setRevision(1)).build();
    assertThat(apply(by("alice", compact)).getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    applied(by("root", compact));
  }

  @Test
  void authChangesAreRefusedToUsersWithoutTheRootRole() {
    CommandResult r = apply(authOp("alice", addUser("mallory", "h")));
    assertThat(r.getRefusal()).isEqualTo(Refusal.PERMISSION_DENIED);
    assertThat(auth.current().user("mallory")).isEmpty();
  }

  @Test
  void anAuthCommandWithoutCallerIsMalformed() {
    CommandResult r = apply(Command.newBuilder().setAuth(addUser("x", "h")).build());
    assertThat(r.getRefusal()).isEqualTo(Refusal.MALFORMED);
  }
}
