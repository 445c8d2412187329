package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.Permission;
import dev.kvstore.client.AuthClient;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore role add|delete|get|list|grant|revoke}, as etcdctl's: a permission is read, write
 * or readwrite on a key, a prefix ({@code --prefix}) or the interval [KEY, END) ({@code END} "\0"
 * or {@code --from-key}: every key from KEY on).
 */
@Command(name = "role", description = "Adds, deletes and lists roles, grants and revokes their permissions.")
final class RoleCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  private final CommandContext context;

  RoleCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(name = "add", description = "Adds a role (with no permissions yet).")
  int add(@Mixin HelpOption help, @Parameters(paramLabel = "ROLE") String role) {
    context.client().auth().addRole(role);
    context.printer().line("role " + role + " added");
    return ExitCodes.OK;
  }

  @Command(name = "delete", description = "Deletes a role; the users that held it lose it.")
  int delete(@Mixin HelpOption help, @Parameters(paramLabel = "ROLE") String role) {
    context.client().auth().deleteRole(role);
    context.printer().line("role " + role + " deleted");
    return ExitCodes.OK;
  }

  @Command(name = "get", description = "Shows a role's permissions.")
  int get(@Mixin HelpOption help, @Parameters(paramLabel = "ROLE") String role) {
    var permissions = context.client().auth().role(role).getPermissionsList();
    if (context.format() == OutputFormat.JSON) {
      JsonArray json = new JsonArray();
      for (Permission p : permissions) {
        JsonObject o = new JsonObject();
        o.addProperty("type", p.getType().name().toLowerCase(Locale.ROOT));
        o.addProperty("key", p.getKey());
        if (p.getPrefix()) {
          o.addProperty("prefix", true);
        } else if (!p.getRangeEnd().isEmpty()) {
          o.addProperty("rangeEnd", p.getRangeEnd());
        }
        json.add(o);
      }
      context.printer().json(json);
    } else {
      context.printer().line("role " + role + (permissions.isEmpty() ? " (no permissions)" : ""));
      permissions.forEach(p -> context.printer().line("  " + p.getType().name().toLowerCase(Locale.ROOT) + " "
          + describe(p)));
    }
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "Lists the roles ('root' is built in).")
  int list(@Mixin HelpOption help) {
    context.client().auth().roles().forEach(context.printer()::line);
    return ExitCodes.OK;
  }

  @Command(name = "grant", description = "Grants a role read, write or readwrite on a key, a prefix or an interval;"
      + " granting the same range again replaces its type.")
  int grant(@Mixin HelpOption help, @Parameters(index = "0", paramLabel = "ROLE") String role,
      @Parameters(index = "1", paramLabel = "read|write|readwrite") String type,
      @Parameters(index = "2", paramLabel = "KEY") String key,
      @Parameters(index = "3", arity = "0..1", paramLabel = "END", description = "End of the interval [KEY, END).")
      String end,
      @Option(names = "--prefix", description = "Every key starting with KEY.") boolean prefix,
      @Option(names = "--from-key", description = "Every key from KEY on.") boolean fromKey) {
    Permission range = range(key, end, prefix, fromKey).toBuilder().setType(type(type)).build();
    context.client().auth().grantPermission(role, range);
    context.printer().line("role " + role + " may now " + type.toLowerCase(Locale.ROOT) + " " + describe(range));
    return ExitCodes.OK;
  }

  @Command(name = "revoke", description = "Takes away a role's permission on exactly that key, prefix or interval.")
  int revoke(@Mixin HelpOption help, @Parameters(index = "0", paramLabel = "ROLE") String role,
      @Parameters(index = "1", paramLabel = "KEY") String key,
      @Parameters(index = "2", arity = "0..1", paramLabel = "END") String end,
      @Option(names = "--prefix", description = "The permission on every key starting with KEY.") boolean prefix,
      @Option(names = "--from-key", description = "The permission on every key from KEY on.") boolean fromKey) {
    Permission range = range(key, end, prefix, fromKey);
    context.client().auth().revokePermission(role, range);
    context.printer().line("role " + role + " no longer has a permission on " + describe(range));
    return ExitCodes.OK;
  }

  private Permission.Type type(String type) {
    return switch (type.toLowerCase(Locale.ROOT)) {
      case "read" -> Permission.Type.READ;
      case "write" -> Permission.Type.WRITE;
      case "readwrite" -> Permission.Type.READWRITE;
      default -> throw new ParameterException(spec.commandLine(), "permission type '" + type
          + "' is unknown; use read, write or readwrite");
    };
  }

  private Permission range(String key, String end, boolean prefix, boolean fromKey) {
    int shapes = (prefix ? 1 : 0) + (fromKey ? 1 : 0) + (end != null ? 1 : 0);
    if (shapes > 1) {
      throw new ParameterException(spec.commandLine(), "give one of END, --prefix or --from-key");
    }
    if (prefix) {
      return AuthClient.onPrefix(Permission.Type.READ, key);
    }
    if (fromKey) {
      return AuthClient.onInterval(Permission.Type.READ, key, null);
    }
    return end == null ? AuthClient.onKey(Permission.Type.READ, key) : AuthClient.onInterval(Permission.Type.READ, key, end);
  }

  private static String describe(Permission p) {
    if (p.getPrefix()) {
      return p.getKey().isEmpty() ? "every key" : "keys with prefix '" + p.getKey() + "'";
    }
    if (p.getRangeEnd().isEmpty()) {
      return "key '" + p.getKey() + "'";
    }
    return p.getRangeEnd().equals("\0") ? "keys from '" + p.getKey() + "' on"
        : "keys in ['" + p.getKey() + "', '" + p.getRangeEnd() + "')";
  }
}
