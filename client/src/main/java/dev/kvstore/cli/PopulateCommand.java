package dev.kvstore.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.client.KvClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kvstore populate}: writes sample records concurrently, with progress on standard error. */
@Command(
    name = "populate",
    description = "Writes COUNT sample records (keys zero-padded so they sort) and reports the rate.")
final class PopulateCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final int DEFAULT_WIDTH = 80;

  @Spec
  private CommandSpec spec;

  @Option(names = "--count", paramLabel = "N", description = "Number of records (default: 100).")
  private long count = 100;

  @Option(names = "--prefix", paramLabel = "P", description = "Key prefix (default: sample/).")
  private String prefix = "sample/";

  @Option(names = "--concurrency", paramLabel = "N", description = "Writes in flight (default: 8).")
  private int concurrency = 8;

  @Option(names = "--value-size", paramLabel = "BYTES", description = "Size of each value (default: 32).")
  private int valueSize = 32;

  private final CommandContext context;

  PopulateCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (count < 1 || concurrency < 1 || valueSize < 0) {
      throw new ParameterException(spec.commandLine(),
          "--count and --concurrency must be at least 1, --value-size at least 0");
    }
    KvClient client = context.client();
    int digits = Long.toString(count - 1).length();
    AtomicLong next = new AtomicLong();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    int workers = (int) Math.min(concurrency, count);
    ExecutorService pool = Executors.newFixedThreadPool(workers, runnable -> {
      Thread thread = new Thread(runnable, "kvstore-populate");
      thread.setDaemon(true);
      return thread;
    });
    long start = System.nanoTime();
    try (ProgressBar progress = progressBar()) {
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        running.add(CompletableFuture.runAsync(() -> {
          long index;
          // Every worker stops at the first failure: the run is already going to report it.
          while (failure.get() == null && (index = next.getAndIncrement()) < count) {
            String key = prefix + String.format(Locale.ROOT, "%0" + digits + "d", index);
            try {
              client.put(key, sampleValue(index));
            } catch (RuntimeException e) {
              failure.compareAndSet(null, e);
              return;
            }
            progress.step();
          }
        }, pool));
      }
      try {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
      } catch (CompletionException e) {
        failure.compareAndSet(null, new IllegalStateException(e.getCause()));
      }
    } finally {
      pool.shutdownNow();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    printSummary((System.nanoTime() - start) / 1e9);
    return ExitCodes.OK;
  }

  private void printSummary(double seconds) {
    double rate = seconds > 0 ? count / seconds : 0;
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("count", count);
      json.addProperty("prefix", prefix);
      json.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
      json.addProperty("writes_per_second", Math.round(rate * 10) / 10.0);
      context.printer().json(json);
    } else {
      context.printer().line(String.format(Locale.ROOT, "wrote %d records under %s in %.2fs (%.1f writes/s)",
          count, prefix, seconds, rate));
    }
  }

  /**
   * At a terminal the bar redraws in place; elsewhere (pipes, CI, tests) it prints a plain line
   * now and then. Both are given a width, so the library never probes for a terminal itself.
   */
  private ProgressBar progressBar() {
    ProgressBarBuilder builder = new ProgressBarBuilder()
        .setTaskName("populate")
        .setInitialMax(count)
        .setUnit(" writes", 1);
    if (context.interactive()) {
      builder.setStyle(ProgressBarStyle.UNICODE_BLOCK)
          .setUpdateIntervalMillis(100)
          .setConsumer(new ConsoleProgressBarConsumer(context.err(), DEFAULT_WIDTH));
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
          .setConsumer(new DelegatingProgressBarConsumer(printChanged, DEFAULT_WIDTH));
    }
    return builder.build();
  }

  /** A printable value of the requested size, the same for the same index on every run. */
  private ByteString sampleValue(long index) {
    SplittableRandom random = new SplittableRandom(index);
    byte[] bytes = new byte[valueSize];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ALPHABET.charAt(random.nextInt(ALPHABET.length()));
    }
    return ByteString.copyFrom(bytes);
  }
}
