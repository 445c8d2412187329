package dev.kvstore.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.kvstore.api.StatusResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kvstore status}: members, roles, terms and progress of the cluster. */
@Command(
    name = "status",
    description = "Shows every member: role, term, leader, commit/applied/snapshot index.")
final class StatusCommand implements Callable<Integer> {

  @Mixin
  private HelpOption help;

  private final CommandContext context;

  StatusCommand(CommandContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InvalidProtocolBufferException {
    StatusResponse status = context.client().status();
    if (context.format() == OutputFormat.JSON) {
      context.printer().line(JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .omittingInsignificantWhitespace()
          .print(status));
    } else {
      StatusTable.render(status).forEach(context.printer()::line);
    }
    return ExitCodes.OK;
  }
}
