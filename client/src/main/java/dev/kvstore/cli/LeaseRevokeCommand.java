package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.LeaseRevokeResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kvstore lease revoke ID}: exit 3 when the lease does not exist. */
@Command(name = "revoke", description = "Revokes a lease and deletes its keys (all at one revision).")
final class LeaseRevokeCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(index = "0", paramLabel = "ID", converter = LeaseIdConverter.class, description = "Lease id (hex).")
  private long id;

  private final CommandContext context;

  LeaseRevokeCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    LeaseRevokeResponse revoked = context.client().lease().revoke(id);
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("id", LeaseIdConverter.text(id));
      json.addProperty("revision", revoked.getHeader().getRevision());
      context.printer().json(json);
    } else {
      context.printer().line("lease " + LeaseIdConverter.text(id) + " revoked");
    }
    return ExitCodes.OK;
  }
}
