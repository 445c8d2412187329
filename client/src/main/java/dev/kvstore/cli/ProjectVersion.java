package dev.kvstore.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The Maven project version, written into the jar at build time, for {@code --version}. */
final class ProjectVersion implements IVersionProvider {

  @Override
  public String[] getVersion() {
    return new String[] {"kvstore " + version()};
  }

  static String version() {
    try (InputStream in = ProjectVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        String version = properties.getProperty("version", "");
        if (!version.isBlank() && !version.startsWith("${")) {
          return version;
        }
      }
    } catch (IOException e) {
      // Fall back to the manifest below.
    }
    String fromManifest = ProjectVersion.class.getPackage().getImplementationVersion();
    return fromManifest != null ? fromManifest : "unknown";
  }
}
