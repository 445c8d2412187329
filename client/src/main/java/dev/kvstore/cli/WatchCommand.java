package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.EventType;
import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.RevisionListener;
import dev.kvstore.client.WatchListener;
import dev.kvstore.client.WatchOptions;
import dev.kvstore.client.WatchSubscription;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
    description = {"Prints each change of KEY (or of every key under it, with --prefix; or of the keys in"
        + " [KEY, RANGE_END)) until Ctrl-C.",
        "Resumes on another node after a failure, from the revision after the last change printed."})
final class WatchCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "KEY")
  private String key;

  @Parameters(index = "1", paramLabel = "RANGE_END", arity = "0..1",
      description = "Watch the keys in [KEY, RANGE_END) ('\\0': every key from KEY on).")
  private String rangeEnd = "";

  @Option(names = "--prefix", description = "Watch every key that starts with KEY.")
  private boolean prefix;

  @Option(names = "--from-key", description = "Watch every key from KEY on (RANGE_END '\\0').")
  private boolean fromKey;

  @Option(names = "--prev-kv", description = "Also print each change's previous value.")
  private boolean prevKv;

  @Option(names = "--no-put", description = "Leave out PUT events.")
  private boolean noPut;

  @Option(names = "--no-delete", description = "Leave out DELETE events.")
  private boolean noDelete;

  @Option(names = "--progress", description = "Print a PROGRESS line, while nothing changes, with the revision"
      + " the watch is known to be current to.")
  private boolean progress;

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
    WatchOptions options = options();
    CountDownLatch ended = new CountDownLatch(1);
    AtomicReference<KvClientException> failure = new AtomicReference<>();
    Consumer<KvClientException> onError = error -> {
      failure.set(error);
      ended.countDown();
    };
    // The original watch where it suffices (every kvstore server has it); the Watch service otherwise.
    WatchSubscription subscription = options.equals(new WatchOptions(key, prefix, startRevision))
        ? context.client().watch(options, new WatchListener() {
          @Override
          public void onEvent(WatchResponse e) {
            print(e.getType(), e.getKey(), e.getValue(), e.getRevision(), null);
          }

          @Override
          public void onInterrupted(String why) {
            interrupted(why);
          }

          @Override
          public void onError(KvClientException error) {
            onError.accept(error);
          }
        })
        : context.client().watch(options, new RevisionListener() {
          @Override
          public void onRevision(long revision, List<WatchEvent> events) {
            for (WatchEvent e : events) {
              print(e.getType(), e.getKv().getKey(), e.getKv().getValue(), revision, e.hasPrevKv() ? e.getPrevKv() : null);
            }
          }

          @Override
          public void onProgress(long revision) {
            printProgress(revision);
          }

          @Override
          public void onInterrupted(String why) {
            interrupted(why);
          }

          @Override
          public void onError(KvClientException error) {
            onError.accept(error);
          }
        });
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

  private WatchOptions options() {
    if (startRevision < 0) {
      throw new ParameterException(spec.commandLine(),
          "--rev must be a revision of at least 1 (or 0: from now), got " + startRevision);
    }
    if ((prefix ? 1 : 0) + (fromKey ? 1 : 0) + (rangeEnd.isEmpty() ? 0 : 1) > 1) {
      throw new ParameterException(spec.commandLine(), "give at most one of --prefix, --from-key and RANGE_END");
    }
    if (noPut && noDelete) {
      throw new ParameterException(spec.commandLine(), "--no-put and --no-delete together leave nothing to watch");
    }
    String end = fromKey ? RequestLimits.ALL_FROM_KEY : rangeEnd.equals("\\0") ? RequestLimits.ALL_FROM_KEY : rangeEnd;
    return new WatchOptions(key, end, prefix, startRevision, prevKv, noPut, noDelete, progress);
  }

  /** @param prev the entry before the change, when asked for and there was one */
  private void print(EventType type, String eventKey, ByteString value, long revision, KeyValue prev) {
    Printer printer = context.printer();
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("type", type.name());
      json.addProperty("key", eventKey);
      if (type == EventType.PUT) {
        JsonView.addValue(json, value);
      }
      json.addProperty("revision", revision);
      if (prevKv) {
        json.add("prev", JsonView.keyValueOrNull(prev != null, prev));
      }
      printer.json(json);
      return;
    }
    // Values are written as they are (bytes), the previous one too.
    ByteString shown = type == EventType.DELETE ? ByteString.EMPTY : value.concat(ByteString.copyFromUtf8(" "));
    shown = shown.concat(ByteString.copyFromUtf8("(revision " + revision));
    if (prev != null) {
      shown = shown.concat(ByteString.copyFromUtf8(", was ")).concat(prev.getValue());
    }
    printer.lineWithValue(type.name() + " " + eventKey + " ", shown, ")");
  }

  /** On stderr, so that a watcher whose node went away knows (results stay on stdout). */
  private void interrupted(String why) {
    context.err().println("watch interrupted: " + why);
  }

  private void printProgress(long revision) {
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("type", "PROGRESS");
      json.addProperty("revision", revision);
      context.printer().json(json);
    } else {
      context.printer().line("PROGRESS (revision " + revision + ")");
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
