package dev.kvstore.cli;

import com.google.gson.stream.JsonWriter;
import dev.kvstore.api.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Prints entries that arrive page by page ({@code all}, {@code range}) as they arrive, in constant
 * memory however long the listing. Plain: one line per entry, key<TAB>value (the value's bytes as
 * they are), or the key alone; a note on standard error when a limit left entries out. JSON: one
 * document {@code {"kvs":[...],"count":N,"more":B,"revision":R}}, written as the entries arrive, so
 * that a page that fails leaves it unfinished (it cannot pass for a complete one).
 */
final class EntryListing {

  /**
   * One page as the listing sees it.
   *
   * @param count    the entries of the whole listing (from its first entry), as this page sees them
   * @param more     whether matching entries follow this page
   * @param revision the store revision of the page
   */
  record Page(List<KeyValue> kvs, long count, boolean more, long revision) {}

  private final CommandContext context;

  EntryListing(CommandContext context) {
    this.context = context;
  }

  /**
   * Prints every page of {@code responses}, each seen as {@code asPage} says (called once per page,
   * in order); with {@code keysOnly}, plain lines hold only the key.
   */
  <T> void print(Iterator<T> responses, Function<T, Page> asPage, boolean keysOnly) {
    Iterator<Page> pages = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return responses.hasNext();
      }

      @Override
      public Page next() {
        return asPage.apply(responses.next());
      }
    };
    if (context.format() == OutputFormat.JSON) {
      printJson(pages);
    } else {
      printPlain(pages, keysOnly);
    }
  }

  private void printPlain(Iterator<Page> pages, boolean keysOnly) {
    Printer printer = context.printer();
    long entries = 0;
    Page last = null;
    while (pages.hasNext()) {
      last = pages.next();
      entries += last.kvs().size();
      for (KeyValue kv : last.kvs()) {
        if (keysOnly) {
          printer.line(kv.getKey());
        } else {
          printer.lineWithValue(kv.getKey() + "\t", kv.getValue(), "");
        }
      }
    }
    if (last != null && last.more()) {
      // On stderr so that the listing itself stays one entry per line.
      context.err().printf("(%d of %d entries shown: --limit reached; --limit 0 lists them all)%n",
          entries, last.count());
    }
  }

  private void printJson(Iterator<Page> pages) {
    Printer printer = context.printer();
    JsonWriter json = printer.jsonWriter();
    try {
      json.beginObject().name("kvs").beginArray();
      Page last = null;
      while (pages.hasNext()) {
        last = pages.next();
        for (KeyValue kv : last.kvs()) {
          printer.json(json, JsonView.keyValue(kv));
        }
        json.flush();
      }
      json.endArray()
          .name("count").value(last == null ? 0 : last.count())
          .name("more").value(last != null && last.more())
          .name("revision").value(last == null ? 0 : last.revision())
          .endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    printer.endJson(json);
  }
}
