package dev.kvstore.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A scrape in the Prometheus text exposition format 0.0.4, parsed line by line: {@code # HELP} and
 * {@code # TYPE} comments, then samples {@code name{label="value",...} value [timestamp]}, with the
 * format's escapes in label values. Anything else fails the parse, naming the line: the point is
 * to prove that what a node serves is what Prometheus reads.
 */
final class Exposition {

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final List<String> TYPES = List.of("counter", "gauge", "histogram", "summary", "untyped");
  /** Suffixes a sample's name may add to its family's name, per type. */
  private static final Map<String, List<String>> SUFFIXES = Map.of(
      "counter", List.of("", "_total", "_created"),
      "gauge", List.of(""),
      "histogram", List.of("_bucket", "_count", "_sum", "_created"),
      "summary", List.of("", "_count", "_sum", "_created"),
      "untyped", List.of(""));

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Map<String, String> types = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();

  private Exposition() {}

  /** GETs {@code http://127.0.0.1:PORT/metrics} as Prometheus would, expects 200, and parses the answer. */
  static Exposition scrape(int metricsPort) {
    URI uri = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError(uri + " answered " + response.statusCode() + ": " + response.body());
      }
      return parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Exposition parse(String text) {
    Exposition e = new Exposition();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      try {
        e.line(lines[i]);
      } catch (RuntimeException problem) {
        throw new IllegalArgumentException("line " + (i + 1) + " '" + lines[i] + "': " + problem.getMessage(), problem);
      }
    }
    return e;
  }

  private void line(String line) {
    if (line.isEmpty()) {
      return;
    }
    if (line.startsWith("#")) {
      String[] parts = line.split(" ", 4);
      if (parts.length >= 4 && parts[1].equals("TYPE")) {
        if (!TYPES.contains(parts[3])) {
          throw new IllegalArgumentException("unknown type " + parts[3]);
        }
        if (types.put(checkName(parts[2]), parts[3]) != null) {
          throw new IllegalArgumentException("second TYPE for " + parts[2]);
        }
      }
      return;
    }
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = checkName(line.substring(0, i));
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length > 2) {
      throw new IllegalArgumentException("text after the value and timestamp");
    }
    if (familyOf(name).isEmpty()) {
      throw new IllegalArgumentException("sample of " + name + " before any TYPE of its family");
    }
    samples.add(new Sample(name, labels, number(rest[0])));
  }

  /** Parses label pairs after '{'; returns the index after '}'. */
  private static int labels(String line, int i, Map<String, String> out) {
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String label = line.substring(i, eq);
      if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new IllegalArgumentException("bad label name '" + label + "'");
      }
      if (line.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("label value of " + label + " is not quoted");
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (char c; (c = line.charAt(j)) != '"'; j++) {
        if (c == '\\') {
          char escaped = line.charAt(++j);
          value.append(switch (escaped) {
            case 'n' -> '\n';
            case '\\' -> '\\';
            case '"' -> '"';
            default -> throw new IllegalArgumentException("bad escape \\" + escaped);
          });
        } else {
          value.append(c);
        }
      }
      if (out.put(label, value.toString()) != null) {
        throw new IllegalArgumentException("label " + label + " twice");
      }
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i + 1;
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  private static String checkName(String name) {
    if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
      throw new IllegalArgumentException("bad metric name '" + name + "'");
    }
    return name;
  }

  /** The family (declared by a TYPE line) a sample name belongs to. */
  Optional<String> familyOf(String sampleName) {
    for (Map.Entry<String, String> family : types.entrySet()) {
      for (String suffix : SUFFIXES.get(family.getValue())) {
        if (sampleName.equals(family.getKey() + suffix)) {
          return Optional.of(family.getKey());
        }
      }
    }
    return Optional.empty();
  }

  /** The names of the families declared by TYPE lines, in order. */
  Set<String> families() {
    return types.keySet();
  }

  /** The declared type of a family, if declared. */
  Optional<String> type(String family) {
    return Optional.ofNullable(types.get(family));
  }

  List<Sample> samples() {
    return samples;
  }

  /** The samples named {@code name} whose labels include every pair of {@code labels}. */
  List<Sample> samples(String name, Map<String, String> labels) {
    Predicate<Sample> matches = s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet());
    return samples.stream().filter(matches).toList();
  }

  /** The value of the one sample named {@code name} with {@code labels}; fails unless there is exactly one. */
  double value(String name, Map<String, String> labels) {
    List<Sample> found = samples(name, labels);
    if (found.size() != 1) {
      throw new IllegalStateException(found.size() + " samples of " + name + " match " + labels);
    }
    return found.get(0).value();
  }

  /** The value of the one sample named {@code name}; fails unless there is exactly one. */
  double value(String name) {
    return value(name, Map.of());
  }

  /** As {@link #value(String, Map)}, but 0 when there is no such sample (a meter made on first use). */
  double valueOrZero(String name, Map<String, String> labels) {
    return samples(name, labels).isEmpty() ? 0 : value(name, labels);
  }
}
