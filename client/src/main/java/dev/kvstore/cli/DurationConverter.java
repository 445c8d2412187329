package dev.kvstore.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as people write them: {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, or ISO {@code PT5S}. */
final class DurationConverter implements ITypeConverter<Duration> {

  private static final Pattern AMOUNT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  @Override
  public Duration convert(String text) {
    if (text.trim().equals("0")) {
      throw new TypeConversionException("'" + text + "' must be longer than zero: use e.g. 500ms, 5s, 1m");
    }
    Duration duration = parse(text);
    if (duration.isZero() || duration.isNegative()) {
      throw new TypeConversionException("'" + text + "' must be at least 1ms");
    }
    return duration;
  }

  /** The same durations, and zero ({@code 0}, {@code 0s}): for a phase that may be skipped. */
  static final class ZeroAllowed implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      Duration duration = text.trim().equals("0") ? Duration.ZERO : parse(text);
      if (duration.isNegative()) {
        throw new TypeConversionException("'" + text + "' must not be negative");
      }
      return duration;
    }
  }

  private static Duration parse(String text) {
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    Matcher matcher = AMOUNT.matcher(trimmed);
    Duration duration;
    if (matcher.matches()) {
      double amount = Double.parseDouble(matcher.group(1));
      long millisPerUnit = switch (matcher.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m" -> 60_000;
        default -> 3_600_000;
      };
      duration = Duration.ofMillis(Math.round(amount * millisPerUnit));
    } else {
      try {
        duration = Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + text + "' is not a duration: use a number with the unit ms, s, m"
            + " or h, e.g. 500ms, 5s, 1m");
      }
    }
    return duration;
  }
}
