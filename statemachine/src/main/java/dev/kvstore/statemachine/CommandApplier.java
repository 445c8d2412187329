package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.auth.AuthStore;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.DeleteOpResult;
import dev.kvstore.statemachine.proto.Refusal;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Applies one command to the store: the deterministic heart of the state machine, free of Raft so
 * that it can be tested directly. Runs on the apply thread only.
 *
 * <p>A command with a request id already in {@link AppliedRequests} is not applied again: when it
 * is the same command (same {@link CommandDigest}) it is a retry and gets the first result marked
 * {@code duplicate}; when it is a different command it is refused with
 * {@link Refusal#REQUEST_ID_REUSED} (the node answers {@code FAILED_PRECONDITION}), changes nothing
 * and is not remembered, so a later genuine retry of the first command still gets its result.
 * Silently answering such a command with the first result would tell its client that a write
 * nobody applied succeeded. Every replica holds the same table with the same digests, so every
 * replica takes the same decision.
 */
final class CommandApplier {

  private final MvccStore store;
  private final AppliedRequests applied;
  private final WatchHub hub;
  /** What the results of the log entry being applied may still carry (see {@link ResultBudget#ENTRY_BYTES}). */
  private ResultBudget entryBudget = new ResultBudget(ResultBudget.ENTRY_BYTES);
  private final Leases leases;
  private final LeaseCommands leaseCommands;
  private final AuthStore auth;
  /** The Raft term of the log entry being applied (see {@link #apply(Command, long)}). */
  private long entryTerm;

  CommandApplier(MvccStore store, AppliedRequests applied, WatchHub hub) {
    this(store, applied, hub, new Leases(), new AuthStore());
  }

  CommandApplier(MvccStore store, AppliedRequests applied, WatchHub hub, Leases leases, AuthStore auth) {
    this.store = store;
    this.applied = applied;
    this.hub = hub;
    this.leases = leases;
    this.auth = auth;
    this.leaseCommands = new LeaseCommands(store, leases, this::commit);
  }

  /**
   * Applies the command of a log entry of Raft term {@code term}: a lease expiry is applied only in
   * the term it was decided in (see {@link LeaseCommands#expire}); every replica sees the same term.
   */
  CommandResult apply(Command command, long term) {
    entryTerm = term;
    return apply(command);
  }

  /** Applies the command of one log entry. */
  CommandResult apply(Command command) {
    entryBudget = new ResultBudget(ResultBudget.ENTRY_BYTES);
    return applyCommand(command);
  }

  private CommandResult applyCommand(Command command) {
    if (command.getOpCase() == Command.OpCase.BATCH && !command.hasRequestId()) {
      return applyBatch(command.getBatch().getCommandsList());
    }
    if (!command.hasRequestId()) {
      return execute(command);
    }
    ByteString digest = CommandDigest.of(command);
    Optional<AppliedRequests.Entry> earlier = applied.find(command.getRequestId());
    if (earlier.isPresent()) {
      return earlier.get().isSameCommand(digest)
          ? earlier.get().result().toBuilder().setDuplicate(true).build()
          : reusedId(command.getRequestId(), earlier.get().result());
    }
    CommandResult result = execute(command);
    if (result.getError().isEmpty()) {
      applied.remember(command.getRequestId(), digest, result);
    }
    return result;
  }

  /**
   * Applies each command of a batch as if it were an entry of its own. A batch inside a batch is
   * refused as malformed: no node proposes one, and refusing keeps apply's depth bounded.
   */
  private CommandResult applyBatch(List<Command> commands) {
    CommandResult.Builder results = CommandResult.newBuilder();
    for (Command command : commands) {
      results.addBatch(command.getOpCase() == Command.OpCase.BATCH
          ? CommandResult.newBuilder().setRevision(store.revision()).setError("a batch cannot hold a batch").build()
          : applyCommand(command));
    }
    return results.setRevision(store.revision()).build();
  }

  /**
   * The refusal of a command whose id was applied for another command at {@code earlier}'s
   * revision. The client id is raw bytes, so the message shows it in hex.
   */
  private CommandResult reusedId(ClientRequestId id, CommandResult earlier) {
    String message = "request id (client " + HexFormat.of().formatHex(id.getClientId().toByteArray())
        + ", sequence " + Long.toUnsignedString(id.getSequence()) + ") was already used for a different write"
        + " at revision " + earlier.getRevision() + "; use a new sequence number";
    return CommandResult.newBuilder()
        .setRevision(store.revision())
        .setError(message)
        .setRefusal(Refusal.REQUEST_ID_REUSED)
        .build();
  }

  private CommandResult execute(Command command) {
    String invalid = CommandValidation.problem(command);
    if (invalid != null) {
      return CommandResult.newBuilder().setRevision(store.revision()).setError(invalid).build();
    }
    Optional<String> denied = CommandPermissions.denial(command, auth.current(), leases);
    if (denied.isPresent()) {
      return refusal(Refusal.PERMISSION_DENIED, denied.get());
    }
    if (command.hasQuotaExceeded()) {
      // The leader's decision, in the log: every replica refuses it here, whatever its own storage.
      return refusal(Refusal.NO_SPACE, QuotaStamp.refusal(command.getQuotaExceeded()));
    }
    return switch (command.getOpCase()) {
      case PUT -> {
        long lease = command.getPut().getLease();
        if (lease != 0 && !leases.exists(lease)) {
          yield LeaseCommands.notFound(lease, store.revision());
        }
        WriteTxn txn = store.write();
        Event e = txn.put(command.getPut().getKey(), command.getPut().getValue(), lease);
        commit(txn);
        yield result(e.revision(), command.getPut().getPrevKv() ? e.prevKv() : null, 0);
      }
      case DELETE -> {
        if (isRange(command.getDelete())) {
          WriteTxn txn = store.write();
          DeleteOpResult deleted = Transaction.delete(command.getDelete(), txn, commandBudget());
          commit(txn);
          yield CommandResult.newBuilder()
              .setRevision(store.revision())
              .setDeleted(deleted.getDeleted())
              .addAllPrevKvs(deleted.getPrevKvsList())
              .build();
        }
        WriteTxn txn = store.write();
        Optional<Event> e = txn.delete(KeyRange.key(command.getDelete().getKey())).stream().findFirst();
        commit(txn);
        KeyValue prev = e.filter(x -> command.getDelete().getPrevKv()).map(Event::prevKv).orElse(null);
        yield result(store.revision(), prev, e.isPresent() ? 1 : 0);
      }
      case COMPACT -> compact(command.getCompact().getRevision());
      case TXN -> {
        WriteTxn txn = store.write();
        CommandResult.Builder result = Transaction.run(command.getTxn(), txn, commandBudget(), leases::exists);
        commit(txn);
        yield result.setRevision(store.revision()).build();
      }
      // A read barrier changes nothing: no revision, no event, nothing to remember.
      case READ_BARRIER -> result(store.revision(), null, 0);
      case LEASE_GRANT -> leaseCommands.grant(command.getLeaseGrant());
      case LEASE_REVOKE -> leaseCommands.revoke(command.getLeaseRevoke());
      case LEASE_EXPIRE -> leaseCommands.expire(command.getLeaseExpire(), entryTerm);
      // Auth changes take no store revision: the store's history is of keys only, as in etcd.
      case AUTH -> auth.apply(command.getAuth(), command.getCaller().getUser())
          .map(refused -> refusal(refused.refusal(), refused.message()))
          .orElseGet(() -> result(store.revision(), null, 0));
      case BATCH, OP_NOT_SET -> throw new IllegalStateException("validated above");
    };
  }

  private CommandResult refusal(Refusal refusal, String message) {
    return CommandResult.newBuilder().setRevision(store.revision()).setRefusal(refusal).setError(message).build();
  }

  private static boolean isRange(DeleteOp delete) {
    return delete.getPrefix() || !delete.getRangeEnd().isEmpty();
  }

  /** The budget of one command's key-values: at most {@link ResultBudget#COMMAND_BYTES} of what the entry has left. */
  private ResultBudget commandBudget() {
    return entryBudget.part(ResultBudget.COMMAND_BYTES);
  }

  /**
   * Compacts the store at {@code revision}, or refuses: at or below the compacted revision there is
   * nothing left to discard, and above the current one there is nothing yet (as etcd's
   * {@code ErrCompacted} and {@code ErrFutureRev}). Either way every replica decides the same.
   */
  private CommandResult compact(long revision) {
    long compacted = store.compactedRevision();
    long current = store.currentRevision();
    CommandResult.Builder result = CommandResult.newBuilder().setRevision(current);
    if (revision <= compacted || revision > current) {
      boolean past = revision <= compacted;
      return result.setCompactedRevision(compacted)
          .setRefusal(past ? Refusal.REVISION_COMPACTED : Refusal.FUTURE_REVISION)
          .setError("revision " + revision + (past
              ? " is already compacted: the compacted revision is " + compacted
              : " is in the future: the current revision is " + current)
              + "; compact at a revision in " + (compacted + 1) + ".." + current)
          .build();
    }
    store.compact(revision);
    return result.setCompactedRevision(revision).build();
  }

  /**
   * Ends a write transaction and hands its events on: every change of the store goes through here,
   * so whatever must follow each change (lease attachments, watches) is done in one place.
   */
  private void commit(WriteTxn txn) {
    txn.end();
    txn.events().forEach(leases::follow);
    hub.publish(txn.events());
  }

  private static CommandResult result(long revision, KeyValue prev, long deleted) {
    CommandResult.Builder b = CommandResult.newBuilder().setRevision(revision).setDeleted(deleted);
    if (prev != null) {
      b.setPrev(prev.toStored());
    }
    return b.build();
  }

}
