package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.SortTarget;
import dev.kvstore.client.RangeOptions;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore range KEY [RANGE_END]}: reads a key, a prefix or an interval, as etcdctl's
 * {@code get} with its range options, page by page at one revision, printing entries as they arrive.
 */
@Command(
    name = "range",
    description = {
      "Reads KEY, every key with the prefix KEY (--prefix), every key from KEY on (--from-key), or"
          + " the keys in [KEY, RANGE_END), at the current revision or --rev N.",
      "",
      "Every matching entry is read, page by page (at most 10,000 entries or about 3 MiB each),"
          + " unless --limit says otherwise. All pages are at the revision of the first one: the"
          + " output is one consistent cut of the store, each entry once, whatever is written"
          + " meanwhile (if that revision is compacted before the last page, the read fails with"
          + " OUT_OF_RANGE: run it again).",
      "",
      "Plain output: one line per entry, key<TAB>value (the value's bytes as they are), or the key"
          + " alone with --keys-only; with --count-only, the count alone. When --limit leaves"
          + " entries out, a note on standard error says so.",
      "",
      "JSON output: one document, written as the entries arrive:",
      "  {\"kvs\":[...],\"count\":N,\"more\":B,\"revision\":R}",
      "count: every entry in the range at revision R; more: true when --limit left entries out."
          + " With --count-only: {\"count\":N,\"revision\":R}.",
      "",
    })
final class RangeCommand implements Callable<Integer> {

  /** Sort targets by their CLI names. */
  enum SortBy {
    KEY(SortTarget.KEY), VERSION(SortTarget.VERSION), CREATE(SortTarget.CREATE), MOD(SortTarget.MOD),
    VALUE(SortTarget.VALUE);

    private final SortTarget proto;

    SortBy(SortTarget proto) {
      this.proto = proto;
    }
  }

  /** Sort orders by their CLI names. */
  enum Order {
    ASCEND(SortOrder.ASCEND), DESCEND(SortOrder.DESCEND);

    private final SortOrder proto;

    Order(SortOrder proto) {
      this.proto = proto;
    }
  }

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY", description = "The key, the prefix, or the first key of the interval.")
  private String key;

  @Parameters(index = "1", paramLabel = "RANGE_END", arity = "0..1",
      description = "The first key after the interval [KEY, RANGE_END).")
  private String rangeEnd;

  @Option(names = "--prefix", description = "Every key that starts with KEY (\"\" for every key).")
  private boolean prefix;

  @Option(names = "--from-key", description = "Every key from KEY on.")
  private boolean fromKey;

  @Option(names = "--rev", paramLabel = "N", description = "Read at revision N (default: 0, the current one).")
  private long revision;

  @Option(names = "--limit", paramLabel = "N", description = "At most N entries in total (default: 0, every entry).")
  private long limit;

  @Option(names = "--sort-by", paramLabel = "key|version|create|mod|value",
      description = "What entries are ordered by (default: key); ties in key order.")
  private SortBy sortBy = SortBy.KEY;

  @Option(names = "--order", paramLabel = "ascend|descend", description = "ascend (default) or descend.")
  private Order order = Order.ASCEND;

  @Option(names = "--keys-only", description = "Entries without values.")
  private boolean keysOnly;

  @Option(names = "--count-only", description = "Only the number of entries.")
  private boolean countOnly;

  @Option(
      names = "--consistency",
      paramLabel = "linearizable|serializable",
      description = "linearizable (default) or serializable (local to the answering node), for each page.")
  private Consistency consistency = Consistency.LINEARIZABLE;

  private final CommandContext context;

  RangeCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    Iterator<RangeResponse> pages = context.client().rangePages(options());
    if (countOnly) {
      RangeResponse page = pages.next();
      if (context.format() == OutputFormat.JSON) {
        JsonObject json = new JsonObject();
        json.addProperty("count", page.getCount());
        json.addProperty("revision", page.getHeader().getRevision());
        context.printer().json(json);
      } else {
        context.printer().line(Long.toString(page.getCount()));
      }
      return ExitCodes.OK;
    }
    new EntryListing(context).print(pages, page -> new EntryListing.Page(page.getKvsList(), page.getCount(),
        page.getMore(), page.getHeader().getRevision()), keysOnly);
    return ExitCodes.OK;
  }

  private RangeOptions options() {
    if ((prefix ? 1 : 0) + (fromKey ? 1 : 0) + (rangeEnd != null ? 1 : 0) > 1) {
      throw usage("--prefix, --from-key and RANGE_END exclude each other: give at most one");
    }
    if (limit < 0) {
      throw usage("--limit must be at least 0 (0: every entry), got " + limit);
    }
    if (revision < 0) {
      throw usage("--rev must be at least 0 (0: the current revision), got " + revision);
    }
    RangeOptions options = prefix ? RangeOptions.prefix(key)
        : fromKey ? RangeOptions.fromKey(key)
        : rangeEnd != null ? RangeOptions.interval(key, rangeEnd)
        : RangeOptions.key(key);
    return options.withLimit(limit)
        .atRevision(revision)
        .sortedBy(sortBy.proto, order.proto)
        .withKeysOnly(keysOnly)
        .withCountOnly(countOnly)
        .withConsistency(consistency.toProto());
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
