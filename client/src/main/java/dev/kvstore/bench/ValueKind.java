package dev.kvstore.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the values a benchmark puts are made of, by the names the command line uses
 * ({@code --values}). Matters to whatever compresses them (gRPC message compression, snapshots);
 * the store itself treats every value as opaque bytes.
 */
public enum ValueKind {
  /** One value for every put: printable characters drawn once from the seed (what the bench always did). */
  TEMPLATE("template"),
  /** Each put its own letters and digits, drawn as {@link KeySpace#sampleValue} draws them. */
  PRINTABLE("printable"),
  /** Each put its own random bytes (any of the 256), which no compression can shrink. */
  RANDOM("random");

  private final String label;

  ValueKind(String label) {
    this.label = label;
  }

  /** The name used on the command line and in reports, e.g. {@code printable}. */
  public String label() {
    return label;
  }

  /**
   * The kind named {@code label} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the allowed names
   */
  public static ValueKind of(String label) {
    String wanted = label.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(kind -> kind.label.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown value kind '" + label + "'; use " + labels()));
  }

  /** Every kind's label, comma-separated, in declaration order: "template, printable, random". */
  public static String labels() {
    return Arrays.stream(values()).map(ValueKind::label).collect(Collectors.joining(", "));
  }
}
