package dev.kvstore.cli;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on standard error. At a terminal a bar redraws in place; elsewhere (pipes, CI,
 * tests) it prints a plain line now and then, each state once. Both are given a width, so the
 * library never probes for a terminal itself.
 */
final class ProgressBars {

  private static final int WIDTH = 80;

  private ProgressBars() {}

  /**
   * A bar named {@code task} going from 0 to {@code max}, counted in {@code unit}s of
   * {@code unitSize} steps each (e.g. " s" of 1000 steps for a bar stepped in milliseconds).
   */
  static ProgressBar open(CommandContext context, String task, long max, String unit, long unitSize) {
    ProgressBarBuilder builder = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setUnit(unit, unitSize);
    if (context.interactive()) {
      builder.setStyle(ProgressBarStyle.UNICODE_BLOCK)
          .setUpdateIntervalMillis(100)
          .setConsumer(new ConsoleProgressBarConsumer(context.err(), WIDTH));
    } else {
      AtomicReference<String> lastLine = new AtomicReference<>("");
      // Closing renders the final state again; a log should show it once.
      Consumer<String> printChanged = line -> {
        if (!line.equals(lastLine.getAndSet(line))) {
          context.err().println(line.stripTrailing());
        }
      };
      builder.setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(1000)
          .setConsumer(new DelegatingProgressBarConsumer(printChanged, WIDTH));
    }
    return builder.build();
  }
}
