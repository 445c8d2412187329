package dev.kvstore.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which requests a benchmark sends and in what proportions. Written as one operation
 * ({@code put}, {@code get}, {@code get-serializable}), as weights
 * ({@code put=20,get=80}: each request is a put with probability 20/100; weights are positive
 * integers and need not add up to 100; a name without a weight weighs 1), or as a preset: {@code mixed} is {@code put=50,get=50}
 * (an update-heavy mix, as YCSB's workload A).
 */
public final class Mix {

  /** Named mixes, by name. */
  public static final Map<String, String> PRESETS = Map.of("mixed", "put=50,get=50");

  private final Map<OperationType, Integer> weights;

  private Mix(Map<OperationType, Integer> weights) {
    this.weights = Collections.unmodifiableMap(weights);
  }

  /** Only {@code type}. */
  public static Mix of(OperationType type) {
    Map<OperationType, Integer> only = new LinkedHashMap<>();
    only.put(Objects.requireNonNull(type, "type"), 1);
    return new Mix(only);
  }

  /**
   * Reads a mix as described in the class comment.
   *
   * @throws IllegalArgumentException saying what is wrong and what is allowed
   */
  public static Mix parse(String text) {
    String trimmed = Objects.requireNonNull(text, "mix").trim().toLowerCase(Locale.ROOT);
    if (PRESETS.containsKey(trimmed)) {
      return parse(PRESETS.get(trimmed));
    }
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("the mix is empty; " + syntax());
    }
    Map<OperationType, Integer> weights = new LinkedHashMap<>();
    String[] parts = trimmed.split(",", -1);
    for (String part : parts) {
      String[] nameAndWeight = part.split("=", -1);
      if (nameAndWeight.length > 2) {
        throw new IllegalArgumentException("'" + part.trim() + "' is not OPERATION=WEIGHT; " + syntax());
      }
      OperationType type;
      try {
        type = OperationType.of(nameAndWeight[0]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (or a preset: " + String.join(", ", PRESETS.keySet()) + ")");
      }
      int weight = nameAndWeight.length == 2 ? weight(nameAndWeight[1], type) : 1;
      if (weights.put(type, weight) != null) {
        throw new IllegalArgumentException(type.label() + " appears twice in the mix");
      }
    }
    return new Mix(weights);
  }

  private static int weight(String text, OperationType type) {
    int weight;
    try {
      weight = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      weight = 0;
    }
    if (weight < 1) {
      throw new IllegalArgumentException(
          "the weight of " + type.label() + " is '" + text.trim() + "'; weights are whole numbers of at least 1");
    }
    return weight;
  }

  private static String syntax() {
    return "use one of " + OperationType.labels() + ", weights such as put=20,get=80, or a preset ("
        + String.join(", ", PRESETS.keySet()) + ")";
  }

  /** The operations of this mix, in the order written. */
  public Set<OperationType> types() {
    return weights.keySet();
  }

  /** True when the mix reads keys, so the key space should exist before it runs. */
  public boolean reads() {
    return weights.containsKey(OperationType.GET) || weights.containsKey(OperationType.GET_SERIALIZABLE);
  }

  /** Each operation of the mix with its weight, as sent through {@code operations}. */
  public List<WeightedOperation> bind(Function<OperationType, Operation> operations) {
    List<WeightedOperation> bound = new ArrayList<>();
    weights.forEach((type, weight) -> bound.add(new WeightedOperation(type.label(), weight, operations.apply(type))));
    return bound;
  }

  /** As {@link #parse} reads it: {@code put} for one operation, else {@code put=50,get=50}. */
  @Override
  public String toString() {
    if (weights.size() == 1) {
      return weights.keySet().iterator().next().label();
    }
    return weights.entrySet().stream()
        .map(entry -> entry.getKey().label() + "=" + entry.getValue())
        .collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Mix mix && new EnumMap<>(weights).equals(new EnumMap<>(mix.weights));
  }

  @Override
  public int hashCode() {
    return new EnumMap<>(weights).hashCode();
  }
}
