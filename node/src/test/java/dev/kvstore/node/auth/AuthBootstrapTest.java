package dev.kvstore.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.RoleAddOp;
import dev.kvstore.statemachine.proto.UserAddOp;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AuthBootstrapTest {

  @Test
  void onlyANewClustersAuthStateOrOneItLeftHalfDoneIsSetUp() {
    AuthStore store = new AuthStore();
    assertThat(AuthBootstrap.untouched(store.current())).isTrue();
    store.apply(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName("root").setPasswordHash("h")).build(), "");
    assertThat(AuthBootstrap.untouched(store.current())).as("half done by the bootstrap itself").isTrue();
    store.apply(AuthOp.newBuilder().setRoleAdd(RoleAddOp.newBuilder().setName("app")).build(), "");
    assertThat(AuthBootstrap.untouched(store.current())).as("someone else changed it").isFalse();
  }

  @Test
  void theRootPasswordIsHashedOnlyToAddRootAndOnTheHashingExecutor() {
    AuthStore store = new AuthStore();
    AtomicInteger hashed = new AtomicInteger();
    List<Runnable> hashingTasks = new ArrayList<>();
    List<AuthOp.OpCase> proposed = new ArrayList<>();
    AuthBootstrap bootstrap = new AuthBootstrap("n1", () -> "hash-" + hashed.incrementAndGet(), hashingTasks::add,
        store::current, () -> true, command -> apply(store, command, proposed), new SecureRandom());

    bootstrap.check();
    assertThat(hashed).as("not on the checking thread").hasValue(0);
    assertThat(hashingTasks).hasSize(1);
    hashingTasks.remove(0).run();
    assertThat(hashed).hasValue(1);
    assertThat(proposed).containsExactly(AuthOp.OpCase.USER_ADD, AuthOp.OpCase.USER_GRANT_ROLE, AuthOp.OpCase.ENABLE);
    assertThat(store.current().user("root")).get().extracting(u -> u.passwordHash()).isEqualTo("hash-1");
  }

  @Test
  void aBootstrapHalfDoneWithRootAddedFinishesWithoutHashingAgain() {
    AuthStore store = new AuthStore();
    store.apply(AuthOp.newBuilder().setUserAdd(UserAddOp.newBuilder().setName("root").setPasswordHash("h")).build(), "");
    AtomicInteger hashed = new AtomicInteger();
    List<AuthOp.OpCase> proposed = new ArrayList<>();
    AuthBootstrap bootstrap = new AuthBootstrap("n1", () -> "hash-" + hashed.incrementAndGet(), Runnable::run,
        store::current, () -> true, command -> apply(store, command, proposed), new SecureRandom());

    bootstrap.check();
    assertThat(hashed).hasValue(0);
    assertThat(proposed).containsExactly(AuthOp.OpCase.USER_GRANT_ROLE, AuthOp.OpCase.ENABLE);
    assertThat(store.current().enabled()).isTrue();
  }

  /** Applies the proposed op at once, as the log would once committed. */
  private static CompletableFuture<CommandResult> apply(AuthStore store, Command command, List<AuthOp.OpCase> proposed) {
    proposed.add(command.getAuth().getOpCase());
    store.apply(command.getAuth(), command.getCaller().getUser());
    return CompletableFuture.completedFuture(CommandResult.getDefaultInstance());
  }
}
