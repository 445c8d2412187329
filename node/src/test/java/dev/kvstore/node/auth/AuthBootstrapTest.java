package dev.kvstore.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.AuthOp;
import dev.kvstore.statemachine.proto.RoleAddOp;
import dev.kvstore.statemachine.proto.UserAddOp;
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
}
