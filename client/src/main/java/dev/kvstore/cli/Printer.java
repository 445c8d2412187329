package dev.kvstore.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes results to standard output: text lines, values as their raw bytes (a value need not be
 * text), and compact JSON documents, one per line. Flushes each line so pipes see it at once.
 */
final class Printer {

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private final PrintStream out;

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
    line(GSON.toJson(document));
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
