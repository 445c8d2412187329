package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --cacert --cert --key} and their environment variables: what is wrong is a usage error naming the file. */
class TlsOptionsTest {

  @TempDir
  Path dir;

  @Test
  void aMissingCaFileIsAUsageErrorThatNamesIt() {
    Path missing = dir.resolve("ca.pem");
    CliRun run = CliRun.of("--endpoints", "127.0.0.1:1", "--cacert", missing.toString(), "get", "k");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.stderr()).contains("CA certificate file (--cacert) " + missing + " does not exist");
  }

  @Test
  void theCaFileComesFromTheEnvironmentWhenNotGiven() {
    Path missing = dir.resolve("env-ca.pem");
    CliRun run = CliRun.withInput(new byte[0], Map.of("KVSTORE_CACERT", missing.toString()),
        "--endpoints", "127.0.0.1:1", "get", "k");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.stderr()).contains(missing + " does not exist");
  }

  @Test
  void aCertificateWithoutCaOrKeyIsRefused() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    CliRun withoutCa = CliRun.of("--endpoints", "127.0.0.1:1", "--cert", cert.toString(), "--key", cert.toString(),
        "get", "k");
    assertThat(withoutCa.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(withoutCa.stderr()).contains("--cert and --key need --cacert");
    CliRun withoutKey = CliRun.of("--endpoints", "127.0.0.1:1", "--cacert", cert.toString(), "--cert",
        cert.toString(), "get", "k");
    assertThat(withoutKey.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(withoutKey.stderr()).contains("a client certificate needs its key: give --key with --cert");
  }
}
