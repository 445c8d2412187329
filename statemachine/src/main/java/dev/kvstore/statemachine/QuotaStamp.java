package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandBatch;
import dev.kvstore.statemachine.proto.QuotaExceeded;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.Locale;

/**
 * Marks, on the leader, the writes a storage quota refuses, and words the refusal every replica
 * gives for them. As etcd's quota: puts, transactions that put and lease grants are refused;
 * deletes, compaction, lease revocation and expiry, authentication changes and read barriers are
 * not, so that space can be freed while the quota is exceeded.
 */
final class QuotaStamp {

  private QuotaStamp() {}

  /** True if {@code command} would add data to the store: a put, a transaction with a put in either branch, a lease grant. */
  static boolean addsData(Command command) {
    return switch (command.getOpCase()) {
      case PUT, LEASE_GRANT -> true;
      case TXN -> command.getTxn().getSuccessList().stream().anyMatch(op -> op.getOpCase() == TxnRequestOp.OpCase.PUT)
          || command.getTxn().getFailureList().stream().anyMatch(op -> op.getOpCase() == TxnRequestOp.OpCase.PUT);
      default -> false;
    };
  }

  /**
   * {@code command} with every write that adds data stamped with {@code measured} (each command of
   * a batch on its own), or {@code command} itself when none does.
   */
  static Command stamp(Command command, QuotaExceeded measured) {
    if (command.getOpCase() == Command.OpCase.BATCH) {
      if (command.getBatch().getCommandsList().stream().noneMatch(QuotaStamp::addsData)) {
        return command;
      }
      CommandBatch.Builder batch = CommandBatch.newBuilder();
      for (Command inner : command.getBatch().getCommandsList()) {
        batch.addCommands(addsData(inner) ? inner.toBuilder().setQuotaExceeded(measured).build() : inner);
      }
      return command.toBuilder().setBatch(batch).build();
    }
    return addsData(command) ? command.toBuilder().setQuotaExceeded(measured).build() : command;
  }

  /** Why a stamped write was refused, and how to get writes accepted again. */
  static String refusal(QuotaExceeded measured) {
    return "storage quota exceeded: the leader (" + measured.getMemberId() + ") holds " + mib(measured.getUsedBytes())
        + " in its data directory (Raft log and snapshots), above its --quota-backend-bytes of "
        + mib(measured.getQuotaBytes()) + "; nothing was written. Reads, deletes and compaction still work."
        + " To free space: compact the history (kvstore compact REVISION), delete keys no longer needed, and take a"
        + " snapshot on every member (kvstore snapshot --endpoint HOST:PORT) so the Raft log before it is purged;"
        + " writes are accepted again once the leader's data directory is below the quota. Or restart the members"
        + " with a larger --quota-backend-bytes";
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%d bytes (%.1f MiB)", bytes, bytes / 1048576.0);
  }
}
