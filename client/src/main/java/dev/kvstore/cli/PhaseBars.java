package dev.kvstore.cli;

import dev.kvstore.bench.Progress;
import java.time.Duration;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;

/**
 * The progress of a benchmark run: one bar for the warm-up (in seconds) and one for the
 * measurement (in seconds, or in requests for a counted run), with the failures so far.
 */
final class PhaseBars implements Consumer<Progress>, AutoCloseable {

  private final CommandContext context;
  private final String task;
  private final Duration warmup;
  private final Duration duration;
  private final long count;
  private Progress.Phase shown;
  private ProgressBar bar;

  /**
   * @param task the measurement's name on its bar
   * @param duration how long the measurement lasts, or null for a counted one
   * @param count requests measured when {@code duration} is null
   */
  PhaseBars(CommandContext context, String task, Duration warmup, Duration duration, long count) {
    this.context = context;
    this.task = task;
    this.warmup = warmup;
    this.duration = duration;
    this.count = count;
  }

  @Override
  public void accept(Progress progress) {
    Progress.Phase phase = progress.phase() == Progress.Phase.WARMUP ? Progress.Phase.WARMUP : Progress.Phase.MEASURING;
    if (phase != shown) {
      close();
      shown = phase;
      bar = phase == Progress.Phase.WARMUP
          ? ProgressBars.open(context, "warm-up", warmup.toMillis(), " s", 1000)
          : duration != null
              ? ProgressBars.open(context, task, duration.toMillis(), " s", 1000)
              : ProgressBars.open(context, task, count, " requests", 1);
    }
    long measuredMillis = progress.phaseNanos() / 1_000_000;
    switch (progress.phase()) {
      case WARMUP -> bar.stepTo(Math.min(measuredMillis, warmup.toMillis()));
      case MEASURING -> bar.stepTo(duration != null ? Math.min(measuredMillis, duration.toMillis()) : progress.completed());
      default -> bar.stepTo(duration != null ? duration.toMillis() : progress.completed());
    }
    bar.setExtraMessage(progress.failed() == 0 ? "" : progress.failed() + " failed");
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
