package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.EventType;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import io.grpc.Status;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore watch KEY}: prints each change until interrupted (Ctrl-C, or an interrupt of the
 * running thread), riding through node failures; ends with an error only when the watch cannot go on.
 */
@Command(
    name = "watch",
    description = "Prints each change of KEY (or of every key under it, with --prefix) until Ctrl-C.")
final class WatchCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Option(names = "--prefix", description = "Watch every key that starts with KEY.")
  private boolean prefix;

  @Option(names = "--rev", paramLabel = "N",
      description = "Start at revision N (at least 1): replay retained changes first. Default: from now.")
  private long startRevision;

  @Spec
  private CommandSpec spec;

  private final CommandContext context;

  WatchCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws Exception {
    if (startRevision < 0) {
      throw new ParameterException(spec.commandLine(),
          "--rev must be a revision of at least 1 (or 0: from now), got " + startRevision);
    }
    CountDownLatch ended = new CountDownLatch(1);
    AtomicReference<KvClientException> failure = new AtomicReference<>();
    WatchListener listener = WatchListener.of(this::print, error -> {
      failure.set(error);
      ended.countDown();
    });
    WatchSubscription subscription =
        context.client().watch(new WatchOptions(key, prefix, startRevision), listener);
    Thread onExit = new Thread(() -> {
      subscription.close();
      ended.countDown();
    }, "kvstore-watch-exit");
    Runtime.getRuntime().addShutdownHook(onExit);
    try {
      if (!subscription.awaitCreated(context.timeout()) && failure.get() == null) {
        throw new KvClientException(Status.Code.UNAVAILABLE, "watch not established within "
            + context.timeout().toMillis() + "ms on " + String.join(", ", context.client().endpoints()),
            false, null);
      }
      ended.await();
      if (failure.get() != null) {
        throw failure.get();
      }
      return ExitCodes.OK;
    } catch (InterruptedException e) {
      // Being interrupted is how an embedding program (or a test) says "stop", like Ctrl-C.
      return ExitCodes.OK;
    } finally {
      subscription.close();
      removeHook(onExit);
    }
  }

  private void print(WatchResponse event) {
    Printer printer = context.printer();
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("type", event.getType().name());
      json.addProperty("key", event.getKey());
      if (event.getType() == EventType.PUT) {
        JsonView.addValue(json, event.getValue());
      }
      json.addProperty("revision", event.getRevision());
      printer.json(json);
    } else if (event.getType() == EventType.DELETE) {
      printer.line("DELETE " + event.getKey() + " (revision " + event.getRevision() + ")");
    } else {
      printer.lineWithValue(event.getType().name() + " " + event.getKey() + " ", event.getValue(),
          " (revision " + event.getRevision() + ")");
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or has run: nothing to remove.
    }
  }
}
