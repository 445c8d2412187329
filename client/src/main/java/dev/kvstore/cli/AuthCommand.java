package dev.kvstore.cli;

import com.google.gson.JsonObject;
import dev.kvstore.api.AuthStatusResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore auth enable|disable|status}, as etcdctl's. {@code enable} first gives the user
 * "root" the role "root" when it lacks it, as etcdctl does; the user itself must exist.
 */
@Command(
    name = "auth",
    description = {
        "Turns authentication on or off, or shows whether it is on.",
        "Once on, every call needs --user (or a client certificate naming a user) and that user's permissions."})
final class AuthCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  private final CommandContext context;

  AuthCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(name = "enable", description = "Turns authentication on; needs the user 'root' (kvstore user add root).")
  int enable(@Mixin HelpOption help) {
    var auth = context.client().auth();
    if (!auth.status().getEnabled()) {
      // As etcdctl: the root user needs the root role before authentication can be enabled.
      auth.grantRole("root", "root");
    }
    auth.enable();
    context.printer().line("authentication enabled");
    return ExitCodes.OK;
  }

  @Command(name = "disable", description = "Turns authentication off (needs the role 'root').")
  int disable(@Mixin HelpOption help) {
    context.client().auth().disable();
    context.printer().line("authentication disabled");
    return ExitCodes.OK;
  }

  @Command(name = "status", description = "Whether authentication is on, and the auth revision.")
  int status(@Mixin HelpOption help) {
    AuthStatusResponse status = context.client().auth().status();
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("enabled", status.getEnabled());
      json.addProperty("authRevision", status.getAuthRevision());
      context.printer().json(json);
    } else {
      context.printer().line("authentication " + (status.getEnabled() ? "enabled" : "disabled")
          + ", auth revision " + status.getAuthRevision());
    }
    return ExitCodes.OK;
  }
}
