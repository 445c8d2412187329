package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.AuthUserGetResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore user add|delete|passwd|grant-role|revoke-role|get|list}, as etcdctl's. A new
 * password comes from {@code --new-password}, a prompt at a terminal (not echoed), or else the first
 * line of standard input.
 */
@Command(name = "user", description = "Adds, deletes and lists users, sets passwords, grants and revokes roles.")
final class UserCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  private final CommandContext context;

  UserCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(name = "add", description = "Adds a user with a password, or one that signs in with a client certificate"
      + " only (--no-password).")
  int add(@Mixin HelpOption help,
      @Parameters(paramLabel = "NAME", description = "User name (also its client certificate's common name).") String name,
      @Option(names = "--new-password", paramLabel = "PASSWORD",
          description = "The password (else a prompt, or the first line of standard input).") String newPassword,
      @Option(names = "--no-password", description = "No password: client certificate only.") boolean noPassword) {
    if (noPassword) {
      if (newPassword != null) {
        throw new ParameterException(spec.commandLine(), "give --new-password or --no-password, not both");
      }
      context.client().auth().addUserWithoutPassword(name);
    } else {
      context.client().auth().addUser(name, newPassword != null ? newPassword : readPassword(name));
    }
    context.printer().line("user " + name + " added");
    return ExitCodes.OK;
  }

  @Command(name = "delete", description = "Deletes a user.")
  int delete(@Mixin HelpOption help, @Parameters(paramLabel = "NAME") String name) {
    context.client().auth().deleteUser(name);
    context.printer().line("user " + name + " deleted");
    return ExitCodes.OK;
  }

  @Command(name = "passwd", description = "Sets a user's password; its earlier tokens stop working.")
  int passwd(@Mixin HelpOption help, @Parameters(paramLabel = "NAME") String name,
      @Option(names = "--new-password", paramLabel = "PASSWORD",
          description = "The new password (else a prompt, or the first line of standard input).") String newPassword) {
    context.client().auth().changePassword(name, newPassword != null ? newPassword : readPassword(name));
    context.printer().line("password of user " + name + " changed");
    return ExitCodes.OK;
  }

  @Command(name = "grant-role", description = "Gives a user a role.")
  int grantRole(@Mixin HelpOption help, @Parameters(paramLabel = "NAME") String name,
      @Parameters(paramLabel = "ROLE") String role) {
    context.client().auth().grantRole(name, role);
    context.printer().line("role " + role + " granted to user " + name);
    return ExitCodes.OK;
  }

  @Command(name = "revoke-role", description = "Takes a role from a user.")
  int revokeRole(@Mixin HelpOption help, @Parameters(paramLabel = "NAME") String name,
      @Parameters(paramLabel = "ROLE") String role) {
    context.client().auth().revokeRole(name, role);
    context.printer().line("role " + role + " revoked from user " + name);
    return ExitCodes.OK;
  }

  @Command(name = "get", description = "Shows a user's roles.")
  int get(@Mixin HelpOption help, @Parameters(paramLabel = "NAME") String name) {
    AuthUserGetResponse user = context.client().auth().user(name);
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("name", name);
      JsonArray roles = new JsonArray();
      user.getRolesList().forEach(roles::add);
      json.add("roles", roles);
      json.addProperty("hasPassword", user.getHasPassword());
      context.printer().json(json);
    } else {
      context.printer().line("user " + name + (user.getHasPassword() ? "" : " (client certificate only)"));
      context.printer().line("roles: " + String.join(" ", user.getRolesList()));
    }
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "Lists the users.")
  int list(@Mixin HelpOption help) {
    var users = context.client().auth().users();
    if (context.format() == OutputFormat.JSON) {
      JsonArray json = new JsonArray();
      users.forEach(json::add);
      context.printer().json(json);
    } else {
      users.forEach(context.printer()::line);
    }
    return ExitCodes.OK;
  }

  /** At a terminal a prompt without echo; otherwise the first line of standard input. */
  private String readPassword(String name) {
    java.io.Console console = context.interactive() ? System.console() : null;
    if (console != null) {
      char[] typed = console.readPassword("Password of %s: ", name);
      char[] again = console.readPassword("Type it again: ");
      if (typed == null || again == null || !new String(typed).equals(new String(again))) {
        throw new ParameterException(spec.commandLine(), "the two passwords differ");
      }
      return new String(typed);
    }
    try {
      String line = new BufferedReader(new InputStreamReader(context.in(), StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "no password: give --new-password, type it at a terminal,"
            + " or pass it as the first line of standard input");
      }
      return line;
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read the password from standard input: " + e.getMessage());
    }
  }
}
