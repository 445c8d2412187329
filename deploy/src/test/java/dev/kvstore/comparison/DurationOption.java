package dev.kvstore.comparison;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations as the kvstore CLI reads them ({@code 500ms}, {@code 20s}, {@code 1.5m}), and {@code 0}. */
public final class DurationOption implements ITypeConverter<Duration> {

  private static final Pattern AMOUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");

  @Override
  public Duration convert(String text) {
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    Matcher matcher = AMOUNT.matcher(trimmed);
    if (!matcher.matches()) {
      throw new TypeConversionException("'" + text + "' is not a duration: use e.g. 500ms, 20s, 2m, or 0");
    }
    double millisPerUnit = switch (matcher.group(2)) {
      case "ms" -> 1;
      case "s" -> 1_000;
      default -> 60_000;
    };
    return Duration.ofMillis(Math.round(Double.parseDouble(matcher.group(1)) * millisPerUnit));
  }

  /** The duration the way these options are written: {@code 20s}, or {@code 1500ms} when not whole seconds. */
  public static String text(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
  }
}
