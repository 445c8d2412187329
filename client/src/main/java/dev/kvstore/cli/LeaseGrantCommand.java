package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.LeaseGrantResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kvstore lease grant TTL}: prints {@code lease <id> granted with TTL(<n>s)}, as etcdctl. */
@Command(
    name = "grant",
    description = "Grants a lease of TTL seconds (1 to 31536000; a node raises a TTL below its minimum, 2 s by"
        + " default, to it) and prints its id.")
final class LeaseGrantCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "TTL", description = "Time to live in seconds.")
  private long ttl;

  private final CommandContext context;

  LeaseGrantCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    LeaseGrantResponse granted = context.client().lease().grant(Duration.ofSeconds(ttl));
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("id", LeaseIdConverter.text(granted.getId()));
      json.addProperty("ttl", granted.getTtl());
      json.addProperty("revision", granted.getHeader().getRevision());
      context.printer().json(json);
    } else {
      context.printer().line("lease " + LeaseIdConverter.text(granted.getId()) + " granted with TTL("
          + granted.getTtl() + "s)");
    }
    return ExitCodes.OK;
  }
}
