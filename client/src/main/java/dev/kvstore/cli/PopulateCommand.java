package dev.kvstore.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.client.KvClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
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

  @Spec
  private CommandSpec spec;

  @Option(names = "--count", paramLabel = "N", description = "Number of records (default: 100).")
  private long count = 100;

  @Option(names = "--prefix", paramLabel = "P", description = "Key prefix (default: sample/).")
  private String prefix = "sample/";

  @Option(names = "--concurrency", paramLabel = "N", description = "Writes in flight (default: 8).")
  private int concurrency = 8;

  @Option(names = "--value-size", paramLabel = "BYTES",
      description = "Size of each value, at most " + RequestLimits.MAX_VALUE_BYTES + " (1 MiB) (default: 32).")
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
    // Before any connection or progress bar: every put would be refused for the same reason.
    if (valueSize > RequestLimits.MAX_VALUE_BYTES) {
      throw new ParameterException(spec.commandLine(), "--value-size is " + valueSize + " bytes; the maximum is "
          + RequestLimits.MAX_VALUE_BYTES + " bytes (1 MiB)");
    }
    KvClient client = context.client();
    KeySpace keys = new KeySpace(prefix, count);
    AtomicLong next = new AtomicLong();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    int workers = (int) Math.min(concurrency, count);
    ExecutorService pool = Executors.newFixedThreadPool(workers, runnable -> {
      Thread thread = new Thread(runnable, "kvstore-populate");
      thread.setDaemon(true);
      return thread;
    });
    long start = System.nanoTime();
    try (ProgressBar progress = ProgressBars.open(context, "populate", count, " writes", 1)) {
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        running.add(CompletableFuture.runAsync(() -> {
          long index;
          // Every worker stops at the first failure: the run is already going to report it.
          while (failure.get() == null && (index = next.getAndIncrement()) < count) {
            String key = keys.key(index);
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

  /** A printable value of the requested size, the same for the same index on every run. */
  private ByteString sampleValue(long index) {
    return ByteString.copyFrom(KeySpace.sampleValue(valueSize, index));
  }
}
