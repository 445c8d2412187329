package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kvstore lease list}: {@code found N leases}, then one id per line, as etcdctl. */
@Command(name = "list", description = "Lists the ids of every lease.")
final class LeaseListCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  private final CommandContext context;

  LeaseListCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    LeaseLeasesResponse leases = context.client().lease().list();
    if (context.format() == OutputFormat.JSON) {
      JsonArray ids = new JsonArray();
      leases.getLeasesList().forEach(l -> ids.add(LeaseIdConverter.text(l.getId())));
      JsonObject json = new JsonObject();
      json.add("leases", ids);
      context.printer().json(json);
    } else {
      context.printer().line("found " + leases.getLeasesCount() + " leases");
      for (LeaseStatus l : leases.getLeasesList()) {
        context.printer().line(LeaseIdConverter.text(l.getId()));
      }
    }
    return ExitCodes.OK;
  }
}
