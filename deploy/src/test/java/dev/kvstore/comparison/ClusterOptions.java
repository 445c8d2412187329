package dev.kvstore.comparison;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the comparisons run their two clusters and write their results: the etcd binary, the
 * ports of both, the repository that builds kvstore, the work folder, and the Markdown file (a
 * picocli mixin shared by {@link EtcdComparison} and {@link WatchComparison}).
 */
final class ClusterOptions {

  @Option(names = "--etcd", paramLabel = "PATH", description = "The etcd binary (default: etcd).")
  String etcd = "etcd";

  @Option(names = "--etcd-port-base", paramLabel = "PORT",
      description = "etcd member i listens for clients on PORT+2i and for peers on PORT+2i+1 (default: 52379).")
  int etcdPortBase = 52379;

  @Option(names = "--kvstore-client-port-base", paramLabel = "PORT",
      description = "kvstore client ports PORT..PORT+2 (default: 51051).")
  int kvstoreClientPortBase = 51051;

  @Option(names = "--kvstore-raft-port-base", paramLabel = "PORT",
      description = "kvstore Raft ports PORT..PORT+2 (default: 8001).")
  int kvstoreRaftPortBase = 8001;

  @Option(names = "--repo", paramLabel = "PATH", description = "The repository's top folder (default: .).")
  Path repo = Path.of(".");

  @Option(names = "--work-dir", paramLabel = "PATH",
      description = "Folder for both clusters' data and logs; must not exist or be empty (default: a new"
          + " temporary folder). Deleted at the end unless --keep.")
  Path workDir;

  @Option(names = "--keep", description = "Keep the work folder (data and logs) at the end.")
  boolean keep;

  @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the Markdown table to FILE.")
  Path markdownFile;

  /**
   * The work folder: {@code --work-dir} (created if needed) or a new temporary folder named
   * {@code prefix...}; deleted when {@code resources} close, unless {@code --keep}.
   */
  Path workFolder(HarnessResources resources, String prefix) throws IOException {
    Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory(prefix);
    if (!keep) {
      resources.track(() -> FolderTree.delete(work));
    }
    return work;
  }

  /** Writes {@code lines} to {@code --markdown}, if given, and says so on {@code out}. */
  void writeMarkdown(List<String> lines, PrintStream out) throws IOException {
    if (markdownFile != null) {
      Files.write(markdownFile, lines);
      out.println("(written to " + markdownFile + ")");
    }
  }
}
