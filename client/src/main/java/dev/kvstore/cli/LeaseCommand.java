package dev.kvstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kvstore lease}: the lease subcommands (grant, revoke, keep-alive, timetolive, list), as etcdctl's. */
@Command(
    name = "lease",
    description = {
        "Leases: keys put with --lease ID are deleted when the lease is revoked or expires.",
        "A lease expires once it was not kept alive for its TTL; the cluster's leader decides, and a"
            + " leader change gives every lease a fresh TTL. Ids are hexadecimal."})
final class LeaseCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  @Spec
  private CommandSpec spec;

  LeaseCommand(CommandContext context) {}

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }
}
