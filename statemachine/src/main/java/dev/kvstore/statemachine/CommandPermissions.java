package dev.kvstore.statemachine;

import dev.kvstore.statemachine.auth.Access;
import dev.kvstore.statemachine.auth.AuthState;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.List;
import java.util.Optional;

/**
 * Whether the caller of a data command may run it, decided at apply against the auth state of that
 * point of the log (so a permission revoked while the command waited in the log is not used). What
 * each command needs follows etcd's auth applier: writing its keys; reading them too when it
 * returns previous values; for a transaction every compare's and every op's keys in both branches;
 * for a lease revoke writing every key attached to it; the root role for a compaction. The
 * cluster's own commands (no caller) and auth commands (checked by the auth store) pass here.
 */
final class CommandPermissions {

  private CommandPermissions() {}

  /** Why {@code command} is refused under {@code auth}, or empty when it may run. */
  static Optional<String> denial(Command command, AuthState auth, Leases leases) {
    if (!command.hasCaller() || !auth.enabled()) {
      return Optional.empty();
    }
    String user = command.getCaller().getUser();
    return switch (command.getOpCase()) {
      case PUT -> put(auth, user, command.getPut());
      case DELETE -> delete(auth, user, command.getDelete());
      case TXN -> txn(auth, user, command.getTxn().getComparesList(), command.getTxn().getSuccessList())
          .or(() -> txn(auth, user, List.of(), command.getTxn().getFailureList()));
      case COMPACT -> auth.adminDenial(user, "compacting the history");
      case LEASE_GRANT -> user.isEmpty() || auth.user(user).isEmpty()
          ? Optional.of(user.isEmpty() ? "authentication is enabled: sign in to grant a lease"
              : "user '" + user + "' does not exist (any more)")
          : Optional.empty();
      case LEASE_REVOKE -> leases.keys(command.getLeaseRevoke().getId()).stream()
          .map(key -> auth.denial(user, Access.WRITE, KeyRange.key(key)))
          .flatMap(Optional::stream)
          .findFirst()
          .map(d -> d + " (the key is attached to lease " + command.getLeaseRevoke().getId()
              + ", which a revoke deletes)");
      case AUTH, LEASE_EXPIRE, READ_BARRIER, BATCH, OP_NOT_SET -> Optional.empty();
    };
  }

  private static Optional<String> put(AuthState auth, String user, PutOp put) {
    KeyRange key = KeyRange.key(put.getKey());
    return auth.denial(user, Access.WRITE, key)
        .or(() -> put.getPrevKv() ? auth.denial(user, Access.READ, key) : Optional.empty());
  }

  private static Optional<String> delete(AuthState auth, String user, DeleteOp delete) {
    KeyRange range = KeyRange.of(delete.getKey(), delete.getRangeEnd(), delete.getPrefix());
    return auth.denial(user, Access.WRITE, range)
        .or(() -> delete.getPrevKv() ? auth.denial(user, Access.READ, range) : Optional.empty());
  }

  private static Optional<String> txn(AuthState auth, String user, List<TxnCompare> compares, List<TxnRequestOp> ops) {
    for (TxnCompare compare : compares) {
      Optional<String> denied = auth.denial(user, Access.READ,
          KeyRange.of(compare.getKey(), compare.getRangeEnd(), compare.getPrefix()));
      if (denied.isPresent()) {
        return denied;
      }
    }
    for (TxnRequestOp op : ops) {
      Optional<String> denied = switch (op.getOpCase()) {
        case PUT -> put(auth, user, op.getPut());
        case DELETE -> delete(auth, user, op.getDelete());
        case RANGE -> auth.denial(user, Access.READ,
            KeyRange.of(op.getRange().getKey(), op.getRange().getRangeEnd(), op.getRange().getPrefix()));
        case OP_NOT_SET -> Optional.empty();
      };
      if (denied.isPresent()) {
        return denied;
      }
    }
    return Optional.empty();
  }
}
