package dev.kvstore.failover.store;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a check found, by the guarantee each finding breaks; one line per finding, so that a suite
 * can print them all. Not thread-safe.
 *
 * @param <G> the guarantees of one check
 */
public final class Violations<G extends Enum<G>> {

  /** Lines kept per guarantee; beyond that only the count grows, to keep reports readable. */
  private static final int KEPT = 50;

  private final Map<G, List<String>> byGuarantee;
  private final Map<G, Integer> counts;

  public Violations(Class<G> guarantees) {
    byGuarantee = new EnumMap<>(guarantees);
    counts = new EnumMap<>(guarantees);
  }

  void add(G guarantee, String finding) {
    int count = counts.merge(guarantee, 1, Integer::sum);
    if (count <= KEPT) {
      byGuarantee.computeIfAbsent(guarantee, g -> new ArrayList<>()).add(finding);
    }
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /** How many findings break {@code guarantee}. */
  public int count(G guarantee) {
    return counts.getOrDefault(guarantee, 0);
  }

  public int total() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The findings of {@code guarantee} (the first {@value #KEPT}). */
  public List<String> of(G guarantee) {
    return List.copyOf(byGuarantee.getOrDefault(guarantee, List.of()));
  }

  /** Every kept finding, each prefixed with its guarantee. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    byGuarantee.forEach((g, findings) -> {
      findings.forEach(f -> lines.add(g + ": " + f));
      int left = counts.get(g) - findings.size();
      if (left > 0) {
        lines.add(g + ": ... and " + left + " more");
      }
    });
    return lines;
  }

  /** For example {@code none}, or {@code ORDERED 2, COMPLETE 1}. */
  @Override
  public String toString() {
    if (counts.isEmpty()) {
      return "none";
    }
    StringBuilder text = new StringBuilder();
    counts.forEach((g, n) -> text.append(text.isEmpty() ? "" : ", ").append(g).append(' ').append(n));
    return text.toString();
  }
}
