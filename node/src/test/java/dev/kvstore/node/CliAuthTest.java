package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.CliEnvironment;
import dev.kvstore.cli.KvCli;
import dev.kvstore.node.auth.AuthSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CLI's user, role and auth commands and {@code --user}, against a real cluster: what the issue
 * asks to see from a clean clone (a root user granting a prefix to a user who then can write only
 * there; a wrong password and an unprivileged user refused with the right status).
 */
class CliAuthTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(c -> c.withAuth(new AuthSettings(Duration.ofMinutes(5), 4)));

  /** What one CLI run printed and exited with. */
  private record Run(int exit, String out, String err) {}

  private static Run cli(String stdin, String... args) {
    return cli(Map.of(), stdin, args);
  }

  private static Run cli(Map<String, String> env, String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("--endpoints", String.join(",", SHARED.cluster().endpoints())));
    all.addAll(List.of(args));
    String[] argv = all.toArray(new String[0]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment environment = new CliEnvironment(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        env, false);
    int exit = KvCli.commandLine(environment, argv).execute(argv);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Run ok(String... args) {
    Run run = cli("", args);
    assertThat(run.exit()).as("kvstore %s: %s", String.join(" ", args), run.err()).isZero();
    return run;
  }

  @Test
  void rootGrantsAPrefixAndTheUserCanWriteOnlyThere() {
    // the password of a new user from standard input, as a script would pass it
    assertThat(cli("root-pw\n", "user", "add", "root").exit()).isZero();
    assertThat(ok("auth", "enable").out()).contains("authentication enabled");
    String root = "root:root-pw";
    ok("--user", root, "user", "add", "alice", "--new-password", "alice-pw");
    ok("--user", root, "role", "add", "app");
    assertThat(ok("--user", root, "role", "grant", "app", "readwrite", "app/", "--prefix").out())
        .contains("role app may now readwrite keys with prefix 'app/'");
    ok("--user", root, "user", "grant-role", "alice", "app");
    assertThat(ok("--user", root, "role", "get", "app").out()).contains("readwrite keys with prefix 'app/'");
    assertThat(ok("--user", root, "user", "get", "alice").out()).contains("roles: app");

    ok("--user", "alice:alice-pw", "put", "app/greeting", "hello");
    assertThat(ok("--user", "alice", "--password", "alice-pw", "get", "app/greeting").out()).contains("hello");

    Run outside = cli("", "--user", "alice:alice-pw", "put", "other/x", "1");
    assertThat(outside.exit()).isNotZero();
    assertThat(outside.err()).contains("PERMISSION_DENIED").contains("user 'alice' may not write key 'other/x'");

    Run anonymous = cli("", "get", "app/greeting");
    assertThat(anonymous.exit()).isNotZero();
    assertThat(anonymous.err()).contains("UNAUTHENTICATED").contains("--user");

    Run wrongPassword = cli("", "--user", "alice:nope", "get", "app/greeting");
    assertThat(wrongPassword.exit()).isNotZero();
    assertThat(wrongPassword.err()).contains("wrong user name or password");

    java.nio.file.Path secret;
    try {
      secret = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("alice", ".pw"), "alice-pw\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(ok("--user", "alice", "--password-file", secret.toString(), "get", "app/greeting").out()).contains("hello");

    Run noPassword = cli("", "--user", "alice", "get", "app/greeting");
    assertThat(noPassword.exit()).isEqualTo(2);
    assertThat(noPassword.err()).contains("needs a password");

    // $KVSTORE_PASSWORD is root's: another --user is not signed in with it
    Run otherUser = cli(Map.of("KVSTORE_USER", "root", "KVSTORE_PASSWORD", "root-pw"), "",
        "--user", "alice", "get", "app/greeting");
    assertThat(otherUser.exit()).isEqualTo(2);
    assertThat(otherUser.err()).contains("--user alice needs a password");
    assertThat(cli(Map.of("KVSTORE_USER", "root", "KVSTORE_PASSWORD", "root-pw"), "", "user", "list").out())
        .contains("alice");

    assertThat(ok("--user", root, "auth", "status").out()).contains("authentication enabled");
    ok("--user", root, "auth", "disable");
    assertThat(ok("get", "app/greeting").out()).contains("hello");
    Run ignored = cli("", "--user", "alice:wrong", "get", "app/greeting");
    assertThat(ignored.exit()).isZero();
    assertThat(ignored.err()).contains("warning: authentication is not enabled on the cluster: --user is ignored");
  }
}
