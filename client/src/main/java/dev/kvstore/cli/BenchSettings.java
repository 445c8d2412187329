package dev.kvstore.cli;

import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.LoadSpec;
import dev.kvstore.bench.Mix;
import dev.kvstore.bench.ValueKind;
import java.time.Duration;
import java.util.Locale;

/**
 * What a {@code kvstore bench} run was asked to do, as its report states it.
 *
 * @param valueSize bytes of every value put
 * @param values what those values are made of ({@code --values})
 */
record BenchSettings(Mix mix, LoadSpec load, KeySpace keys, int valueSize, ValueKind values) {

  /**
   * One line, e.g. "mix put, 16 in flight, 10000 keys bench/*, 256-byte template values, 5s warm-up,
   * 30s measured".
   */
  String describe() {
    String length = load.duration() != null
        ? seconds(load.duration()) + " measured"
        : load.count() + " requests measured";
    return String.format(Locale.ROOT, "mix %s, %d in flight, %d keys %s*, %d-byte %s values, %s warm-up, %s",
        mix, load.concurrency(), keys.size(), keys.prefix(), valueSize, values.label(), seconds(load.warmup()), length);
  }

  static String seconds(Duration duration) {
    double seconds = duration.toMillis() / 1000.0;
    return seconds == Math.rint(seconds)
        ? String.format(Locale.ROOT, "%ds", (long) seconds)
        : String.format(Locale.ROOT, "%.3gs", seconds);
  }
}
