package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.Command;

/**
 * The state machine's own last line of defence against malformed commands. The node validates
 * client input with user-facing messages first; this only keeps garbage out of the store.
 */
final class CommandValidation {

  private CommandValidation() {}

  /** A description of what is wrong with {@code command}, or null when it can be applied. */
  static String problem(Command command) {
    return switch (command.getOpCase()) {
      case PUT -> command.getPut().getKey().isEmpty() ? "put needs a non-empty key" : null;
      case DELETE -> TxnRules.deleteProblem(command.getDelete());
      case TXN -> TxnRules.problem(command.getTxn());
      case READ_BARRIER -> command.hasRequestId() ? "a read barrier carries no request id" : null;
      case COMPACT -> command.getCompact().getRevision() < 1 ? "compact needs a revision of at least 1" : null;
      case LEASE_GRANT -> command.getLeaseGrant().getId() <= 0 || command.getLeaseGrant().getTtl() <= 0
          ? "a lease grant needs a positive id and a positive TTL" : null;
      case LEASE_REVOKE -> command.getLeaseRevoke().getId() <= 0 ? "a lease revoke needs a positive id" : null;
      case LEASE_EXPIRE -> command.getLeaseExpire().getIdsCount() == 0 ? "a lease expiry needs lease ids" : null;
      // Only clients change users and roles: the caller is what apply checks.
      case AUTH -> command.hasCaller() ? null : "an auth command names its caller";
      case BATCH -> command.hasRequestId() ? "a batch carries no request id (its commands do)" : null;
      case OP_NOT_SET -> "command has no operation";
    };
  }
}
