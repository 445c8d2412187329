package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kvstore lease timetolive ID [--keys]}: prints, as etcdctl, {@code lease <id> granted with
 * TTL(<n>s), remaining(<m>s)[, attached keys([k1 k2])]}, or {@code lease <id> already expired}
 * (exit 3).
 */
@Command(name = "timetolive", description = "Shows the time a lease has left, and with --keys its keys.")
final class LeaseTimeToLiveCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "ID", converter = LeaseIdConverter.class, description = "Lease id (hex).")
  private long id;

  @Option(names = "--keys", description = "Also list the keys attached to the lease.")
  private boolean keys;

  private final CommandContext context;

  LeaseTimeToLiveCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    LeaseTimeToLiveResponse ttl = context.client().lease().timeToLive(id, keys);
    boolean exists = ttl.getTtl() >= 0;
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("id", LeaseIdConverter.text(id));
      json.addProperty("ttl", ttl.getTtl());
      json.addProperty("grantedTtl", ttl.getGrantedTtl());
      if (keys) {
        JsonArray list = new JsonArray();
        ttl.getKeysList().forEach(list::add);
        json.add("keys", list);
        json.addProperty("keysTruncated", ttl.getKeysTruncated());
      }
      context.printer().json(json);
    } else if (!exists) {
      context.printer().line("lease " + LeaseIdConverter.text(id) + " already expired");
    } else {
      String line = "lease " + LeaseIdConverter.text(id) + " granted with TTL(" + ttl.getGrantedTtl() + "s), remaining("
          + ttl.getTtl() + "s)";
      if (keys) {
        line += ", attached keys(" + ttl.getKeysList() + (ttl.getKeysTruncated() ? " and more" : "") + ")";
      }
      context.printer().line(line);
    }
    return exists ? ExitCodes.OK : ExitCodes.NOT_FOUND;
  }
}
