package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.AuthGrpc;
import dev.kvstore.api.AuthStatusRequest;
import dev.kvstore.api.AuthenticateRequest;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.statemachine.auth.AuthState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A cluster started with an initial root password (a Docker secret's file) comes up with authentication on. */
class AuthBootstrapClusterTest {

  private static final Path PASSWORD_FILE = passwordFile("s3cret-root\n");

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(
      c -> c.withAuth(new AuthSettings(Duration.ofMinutes(5), 4, PASSWORD_FILE)));

  private static Path passwordFile(String content) {
    try {
      Path file = Files.createTempFile("kvstore-root-password", ".txt");
      Files.writeString(file, content);
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theLeaderAddsRootAndEnablesAuthenticationOnce() {
    AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(SHARED.cluster().channel("n2"))
        .withDeadlineAfter(15, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> auth.authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled());
    String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("s3cret-root")
        .build()).getToken();
    assertThat(token).isNotEmpty();
    // the first line only: the file's newline is not part of the password
    for (String id : SHARED.cluster().ids()) {
      // a follower may apply the last step a moment after n2 answered
      await().atMost(Duration.ofSeconds(10))
          .until(() -> SHARED.cluster().node(id).stateMachine().auth().current().enabled());
      AuthState state = SHARED.cluster().node(id).stateMachine().auth().current();
      assertThat(state.isRoot("root")).isTrue();
      assertThat(state.authRevision()).as("user, role, enable: nothing twice").isEqualTo(3);
    }
  }

  @Test
  void aMissingOrEmptyPasswordFileIsNamedAtStart() {
    Path missing = PASSWORD_FILE.resolveSibling("no-such-root-password.txt");
    assertThatThrownBy(() -> new AuthSettings(Duration.ofMinutes(5), 10, missing).validate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--initial-root-password-file " + missing).hasMessageContaining("cannot be read");
    assertThatThrownBy(() -> new AuthSettings(Duration.ofMinutes(5), 10, passwordFile("\n")).validate())
        .hasMessageContaining("must not be empty");
  }
}
