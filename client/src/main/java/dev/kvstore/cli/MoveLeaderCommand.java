package dev.kvstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kvstore move-leader ID}, as etcdctl's: hands leadership to a voter and returns once it leads. */
@Command(name = "move-leader", description = "Hands leadership to the named voter; returns once it leads.")
final class MoveLeaderCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Parameters(paramLabel = "ID", description = "The member that should lead.")
  private String id;

  private final CommandContext context;

  MoveLeaderCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    context.client().cluster().moveLeader(id);
    context.printer().line("leader is now " + id);
    return ExitCodes.OK;
  }
}
