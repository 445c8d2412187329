package dev.kvstore.comparison;

import dev.kvstore.bench.OperationType;
import java.util.ArrayList;
import java.util.List;

/**
 * One load of the comparison: an operation with a number of requests in flight, written
 * {@code put:64} (operations as {@code kvstore bench --mix} names them: put, get = linearizable,
 * get-serializable).
 *
 * @param type what every request does
 * @param concurrency requests in flight (at least 1)
 */
record ComparisonLoad(OperationType type, int concurrency) {

  /** The loads of the table: puts with 1, 16 and 64 in flight, then both reads with 64. */
  static final String DEFAULT = "put:1,put:16,put:64,get:64,get-serializable:64";

  ComparisonLoad {
    if (concurrency < 1) {
      throw new IllegalArgumentException("a load needs at least 1 request in flight, got " + concurrency);
    }
  }

  /**
   * Reads a comma-separated list such as {@value #DEFAULT}.
   *
   * @throws IllegalArgumentException saying which entry is wrong and what is allowed
   */
  static List<ComparisonLoad> parseList(String text) {
    List<ComparisonLoad> loads = new ArrayList<>();
    for (String entry : text.split(",")) {
      String trimmed = entry.trim();
      String[] parts = trimmed.split(":");
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            "load '" + trimmed + "' is not OPERATION:IN_FLIGHT, e.g. put:64 (loads are comma-separated)");
      }
      int concurrency;
      try {
        concurrency = Integer.parseInt(parts[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("load '" + trimmed + "': '" + parts[1].trim() + "' is not a whole number");
      }
      loads.add(new ComparisonLoad(OperationType.of(parts[0]), concurrency));
    }
    return loads;
  }

  /** How tables name it, e.g. "put, 64 in flight". */
  String label() {
    String operation = switch (type) {
      case PUT -> "put";
      case GET -> "linearizable get";
      case GET_SERIALIZABLE -> "serializable get";
    };
    return operation + ", " + concurrency + " in flight";
  }
}
