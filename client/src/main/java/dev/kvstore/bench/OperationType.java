package dev.kvstore.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The requests a benchmark can mix, by the names the command line uses. */
public enum OperationType {
  /** Writes the key (every put of a run writes a value of the same size). */
  PUT("put"),
  /** Reads the key linearizably: the answer reflects every write acknowledged before it. */
  GET("get"),
  /** Reads the key from the answering node's local state (etcd's serializable read). */
  GET_SERIALIZABLE("get-serializable");

  private final String label;

  OperationType(String label) {
    this.label = label;
  }

  /** The name used on the command line and in reports, e.g. {@code get-serializable}. */
  public String label() {
    return label;
  }

  /**
   * The type named {@code label} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the allowed names
   */
  public static OperationType of(String label) {
    String wanted = label.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(type -> type.label.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "unknown operation '" + label + "'; use " + labels()));
  }

  static String labels() {
    return Arrays.stream(values()).map(OperationType::label).collect(Collectors.joining(", "));
  }
}
