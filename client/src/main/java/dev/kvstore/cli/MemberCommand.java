package dev.kvstore.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvstore.api.Member;
import dev.kvstore.api.MemberListResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvstore member list|add|promote|remove}, as etcdctl's {@code member} commands: the members
 * are the cluster's live Raft configuration; a new member joins as a learner and is promoted once
 * it has caught up.
 */
@Command(
    name = "member",
    description = {
        "Lists, adds, promotes or removes cluster members (the live Raft configuration).",
        "Grow: start the new node with --initial-cluster-state existing, then 'member add', then 'member promote'.",
        "Changes need the role root once authentication is on; one change at a time."})
final class MemberCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  private final CommandContext context;

  MemberCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(name = "list", description = "Every member: id, Raft address, client address, voter or learner.")
  int list(@Mixin HelpOption help) {
    MemberListResponse response = context.client().cluster().list();
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.add("members", toJson(response.getMembersList()));
      json.addProperty("configuration_index", response.getConfigurationIndex());
      json.addProperty("changing", response.getChanging());
      context.printer().json(json);
    } else {
      print(response.getMembersList());
      if (response.getChanging()) {
        context.printer().line("(a membership change is under way)");
      }
    }
    return ExitCodes.OK;
  }

  @Command(name = "add", description = {"Adds a member as a learner; returns once it has caught up with the leader.",
      "Start the node first (kvstore-node --initial-cluster-state existing ...). A large store takes time to copy:"
          + " raise --timeout (e.g. --timeout 60s)."})
  int add(@Mixin HelpOption help,
      @Parameters(index = "0", paramLabel = "ID", description = "The new node's --node-id.") String id,
      @Parameters(index = "1", paramLabel = "RAFT_ADDRESS", description = "HOST:PORT of its Raft port.") String raftAddress,
      @Option(names = "--client-address", paramLabel = "HOST:PORT",
          description = "Where it serves clients: recorded in the configuration, so clients and status find it.")
      String clientAddress) {
    List<Member> members = context.client().cluster().add(id, raftAddress, clientAddress);
    return changed("added learner " + id, members);
  }

  @Command(name = "promote", description = "Makes a learner a voter; refused while it is not caught up.")
  int promote(@Mixin HelpOption help, @Parameters(paramLabel = "ID") String id) {
    return changed("promoted " + id + " to voter", context.client().cluster().promote(id));
  }

  @Command(name = "remove", description = "Removes a member; refused when the voters left could not form a quorum.")
  int remove(@Mixin HelpOption help, @Parameters(paramLabel = "ID") String id) {
    return changed("removed " + id, context.client().cluster().remove(id));
  }

  private int changed(String what, List<Member> members) {
    if (context.format() == OutputFormat.JSON) {
      JsonObject json = new JsonObject();
      json.addProperty("result", what);
      json.add("members", toJson(members));
      context.printer().json(json);
    } else {
      context.printer().line(what);
      print(members);
    }
    return ExitCodes.OK;
  }

  private void print(List<Member> members) {
    for (Member m : members) {
      context.printer().line(m.getId() + "\t" + m.getRaftAddress() + "\t"
          + (m.getClientAddress().isEmpty() ? "-" : m.getClientAddress()) + "\t" + (m.getIsLearner() ? "learner" : "voter"));
    }
  }

  private static JsonArray toJson(List<Member> members) {
    JsonArray array = new JsonArray();
    for (Member m : members) {
      JsonObject json = new JsonObject();
      json.addProperty("id", m.getId());
      json.addProperty("raft_address", m.getRaftAddress());
      json.addProperty("client_address", m.getClientAddress());
      json.addProperty("is_learner", m.getIsLearner());
      array.add(json);
    }
    return array;
  }
}
