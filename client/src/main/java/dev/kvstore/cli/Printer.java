package dev.kvstore.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.stream.JsonWriter;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes results to standard output: text lines, values as their raw bytes (a value need not be
 * text), and compact JSON documents, one per line. Flushes each line so pipes see it at once.
 */
final class Printer {

  private final PrintStream out;

  /** Built on first use: most commands print no JSON, and Gson costs start-up time. */
  private static final class Json {
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  }

  Printer(PrintStream out) {
    this.out = out;
  }

  void line(String text) {
    write(text.getBytes(StandardCharsets.UTF_8));
    newline();
  }

  /** {@code before}, the value's bytes unchanged, {@code after}, then a newline. */
  void lineWithValue(String before, ByteString value, String after) {
    write(before.getBytes(StandardCharsets.UTF_8));
    write(value.toByteArray());
    write(after.getBytes(StandardCharsets.UTF_8));
    newline();
  }

  void json(JsonElement document) {
    line(Json.GSON.toJson(document));
  }

  /**
   * A writer of one compact JSON document onto standard output, in the style of {@link #json}, for
   * a document too long to build in memory first: write it piece by piece (values with
   * {@link #json(JsonWriter, JsonElement)}), flush it whenever a part is complete, and finish the
   * line with {@link #endJson}. Never close it: that would close standard output.
   */
  JsonWriter jsonWriter() {
    try {
      return Json.GSON.newJsonWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code element} as the next value of {@code writer}, in the style of {@link #json}. */
  void json(JsonWriter writer, JsonElement element) {
    Json.GSON.toJson(element, writer);
  }

  /** Flushes the document {@code writer} has written and ends its line. */
  void endJson(JsonWriter writer) {
    try {
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    newline();
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void newline() {
    out.write('\n');
    out.flush();
  }
}
