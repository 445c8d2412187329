package dev.kvstore.cli;

import dev.kvstore.api.GetAllResponse;
import dev.kvstore.client.GetAllOptions;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore all}: lists keys and values in key order, every matching entry unless limited,
 * printed page by page as the pages arrive (constant memory, however long the listing).
 */
@Command(
    name = "all",
    description = {
      "Lists keys and values in key order: every matching entry unless --limit says otherwise.",
      "",
      "Entries are fetched page by page (at most 10,000 entries or about 3 MiB each) and printed as"
          + " they arrive. Each page is one request (with failover and --timeout); the pages are"
          + " not one snapshot: a key written during the listing may or may not appear, but keys"
          + " come in strictly increasing order and none twice.",
      "",
      "Plain output: one line per entry, key<TAB>value (the value's bytes as they are). When"
          + " --limit leaves entries out, a note on standard error says so.",
      "",
      "JSON output: one document, written as the entries arrive:",
      "  {\"kvs\":[...],\"count\":N,\"more\":B,\"revision\":R}",
      "kvs: the entries (key, value or value_base64, create_revision, mod_revision, version)."
          + " more: true only when --limit left matching entries out. count: the entries listed"
          + " plus, when more is true, those that matched after the last one listed, as the last"
          + " page saw them. revision: the store revision of the last page.",
      "",
      "If a page fails, the output stops where it is (a JSON document is left unfinished, so it"
          + " cannot pass for a complete one), the error goes to standard error and the exit code"
          + " tells why.",
      "",
    })
final class AllCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Option(names = "--prefix", paramLabel = "P", description = "Only keys that start with P.")
  private String prefix = "";

  @Option(
      names = "--start-after",
      paramLabel = "K",
      description = "Only keys after K (to go on after the last key of an earlier listing).")
  private String startAfter = "";

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N entries in total (default: 0, every matching entry).")
  private long limit;

  @Option(
      names = "--consistency",
      paramLabel = "linearizable|serializable",
      description = "linearizable (default) or serializable (local to the answering node), for each page.")
  private Consistency consistency = Consistency.LINEARIZABLE;

  private final CommandContext context;

  AllCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (limit < 0) {
      throw new ParameterException(spec.commandLine(), "--limit must be at least 0 (0: every entry), got " + limit);
    }
    GetAllOptions options = GetAllOptions.forPrefix(prefix).withStartAfter(startAfter).withLimit(limit)
        .withConsistency(consistency.toProto());
    Iterator<GetAllResponse> pages = context.client().getAllPages(options);
    long[] listedBefore = {0};
    new EntryListing(context).print(pages, page -> {
      // A page's count is of the entries from its own first one on: add those listed before it.
      EntryListing.Page listed = new EntryListing.Page(page.getKvsList(), listedBefore[0] + page.getCount(),
          page.getMore(), page.getHeader().getRevision());
      listedBefore[0] += page.getKvsCount();
      return listed;
    }, false);
    return ExitCodes.OK;
  }
}
