package dev.kvstore.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One 3-node {@link TestCluster} shared by all tests of a class: started (with a leader) before the
 * first test, stopped and deleted after the last. Register it as a static field with
 * {@code @RegisterExtension}.
 */
final class SharedCluster implements BeforeAllCallback, AfterAllCallback {

  private final UnaryOperator<NodeConfig> tweak;
  private Path dir;
  private TestCluster cluster;

  SharedCluster() {
    this(UnaryOperator.identity());
  }

  SharedCluster(UnaryOperator<NodeConfig> tweak) {
    this.tweak = tweak;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("kvstore-" + context.getRequiredTestClass().getSimpleName());
    cluster = TestCluster.start(3, dir, tweak);
    cluster.awaitLeader();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  TestCluster cluster() {
    return cluster;
  }
}
