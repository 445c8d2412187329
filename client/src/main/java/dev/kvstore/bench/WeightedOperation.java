package dev.kvstore.bench;

import java.util.Objects;

/**
 * An operation of a load with its share of the requests: each request is this one with
 * probability {@code weight} / (sum of the weights).
 *
 * @param name how reports name it, e.g. {@code put}
 * @param weight a positive integer
 * @param operation what it sends
 */
public record WeightedOperation(String name, int weight, Operation operation) {

  public WeightedOperation {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(operation, "operation");
    if (weight < 1) {
      throw new IllegalArgumentException("weight must be at least 1, got " + weight);
    }
  }
}
