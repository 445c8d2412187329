package dev.kvstore.cli;

import dev.kvstore.bench.WatchLayout;
import java.time.Duration;
import java.util.Locale;

/** What a {@code kvstore bench watch-latency} run was asked to do, as its report states it. */
record WatchLatencySettings(WatchLayout layout, int rate, int valueSize, Duration warmup, Duration duration) {

  /**
   * One line, e.g. "10000 watchers on 10000 keys bench/watch/* (1 per key, exact key), 1000 puts/s,
   * 256-byte values, 5s warm-up, 30s measured".
   */
  String describe() {
    return String.format(Locale.ROOT, "%s, %d puts/s, %d-byte values, %s warm-up, %s measured",
        layout.describe(), rate, valueSize, BenchSettings.seconds(warmup), BenchSettings.seconds(duration));
  }
}
