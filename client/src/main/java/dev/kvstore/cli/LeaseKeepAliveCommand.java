package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.LeaseKeepAlive;
import dev.kvstore.client.LeaseKeepAliveListener;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kvstore lease keep-alive ID [--once]}: keeps a lease alive until interrupted or until it
 * is lost, printing {@code lease <id> keepalived with TTL(<n>)} for each renewal, as etcdctl.
 */
@Command(
    name = "keep-alive",
    description = {
        "Keeps a lease alive (renewing it every third of its TTL, through any node) until interrupted,"
            + " printing each renewal; ends when the lease is lost (exit 3: it no longer exists; exit 4:"
            + " it could not be renewed for its TTL).",
        "With --once, renews it once and exits."})
final class LeaseKeepAliveCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "ID", converter = LeaseIdConverter.class, description = "Lease id (hex).")
  private long id;

  @Option(names = "--once", description = "Renew once and exit.")
  private boolean once;

  private final CommandContext context;

  LeaseKeepAliveCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    // Renewals and the loss arrive on the client's threads; they are printed here, in order.
    BlockingQueue<Object> news = new LinkedBlockingQueue<>();
    try (LeaseKeepAlive keepAlive = context.client().lease().keepAlive(id, new LeaseKeepAliveListener() {
      @Override
      public void renewed(long ttlSeconds) {
        news.add(ttlSeconds);
      }

      @Override
      public void lost(KvClientException reason) {
        news.add(reason);
      }
    })) {
      while (true) {
        Object next = news.take();
        if (next instanceof KvClientException lost) {
          throw lost;
        }
        print((Long) next);
        if (once) {
          return ExitCodes.OK;
        }
      }
    }
  }

  private void print(long ttl) {
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("id", LeaseIdConverter.text(id));
      json.addProperty("ttl", ttl);
      context.printer().json(json);
    } else {
      context.printer().line("lease " + LeaseIdConverter.text(id) + " keepalived with TTL(" + ttl + ")");
    }
  }
}
