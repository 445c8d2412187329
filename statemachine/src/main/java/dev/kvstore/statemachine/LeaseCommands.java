package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.LeaseExpireOp;
import dev.kvstore.statemachine.proto.LeaseGrantOp;
import dev.kvstore.statemachine.proto.LeaseRevokeOp;
import dev.kvstore.statemachine.proto.Refusal;
import java.util.function.Consumer;

/**
 * Applies the lease commands to the {@link Leases} table and the store, as etcd's lessor applies
 * grants and revokes: deterministic, no clock, no randomness (the proposing node chose ids and
 * TTLs). A revoke deletes the lease's keys in one write transaction, so watchers see all of them
 * at one revision. Apply thread only.
 */
final class LeaseCommands {

  private final MvccStore store;
  private final Leases leases;
  private final Consumer<WriteTxn> commit;

  /** @param commit ends a write transaction and hands its events on ({@code CommandApplier.commit}) */
  LeaseCommands(MvccStore store, Leases leases, Consumer<WriteTxn> commit) {
    this.store = store;
    this.leases = leases;
    this.commit = commit;
  }

  /** Refused with {@link Refusal#LEASE_EXISTS} when the id is taken; otherwise no revision is used. */
  CommandResult grant(LeaseGrantOp op) {
    if (!leases.grant(op.getId(), op.getTtl())) {
      return CommandResult.newBuilder()
          .setRevision(store.revision())
          .setError("lease " + op.getId() + " (hex " + Long.toHexString(op.getId()) + ") already exists")
          .setRefusal(Refusal.LEASE_EXISTS)
          .build();
    }
    return CommandResult.newBuilder().setRevision(store.revision()).setLeaseId(op.getId()).setLeaseTtl(op.getTtl())
        .build();
  }

  /** Refused with {@link Refusal#LEASE_NOT_FOUND} when the lease does not exist. */
  CommandResult revoke(LeaseRevokeOp op) {
    if (!leases.exists(op.getId())) {
      return notFound(op.getId(), store.revision());
    }
    long deleted = revoke(op.getId());
    return CommandResult.newBuilder().setRevision(store.revision()).setDeleted(deleted).build();
  }

  /**
   * Revokes each listed lease that still exists, each at its own revision, when {@code entryTerm}
   * is the term the expiry was decided in. A deposed leader's decision can reach the log through
   * the next leader (a node sends its commands wherever the leader is), in a later term: by then
   * that leader has given every lease a fresh TTL and may have renewed it, so the decision is stale
   * and changes nothing (an error result, which the proposer only logs).
   */
  CommandResult expire(LeaseExpireOp op, long entryTerm) {
    if (op.getTerm() != entryTerm) {
      return CommandResult.newBuilder()
          .setRevision(store.revision())
          .setError("lease expiry decided in term " + op.getTerm() + " reached the log in term " + entryTerm
              + "; ignored")
          .build();
    }
    CommandResult.Builder result = CommandResult.newBuilder();
    long deleted = 0;
    for (long id : op.getIdsList()) {
      if (leases.exists(id)) {
        deleted += revoke(id);
        result.addExpiredLeases(id);
      }
    }
    return result.setRevision(store.revision()).setDeleted(deleted).build();
  }

  /** Deletes the keys of an existing lease in one transaction, then the lease; returns the keys deleted. */
  private long revoke(long id) {
    WriteTxn txn = store.write();
    for (String key : leases.keys(id)) {
      txn.delete(KeyRange.key(key));
    }
    commit.accept(txn);
    leases.remove(id);
    return txn.events().size();
  }

  static CommandResult notFound(long lease, long revision) {
    return CommandResult.newBuilder()
        .setRevision(revision)
        .setError("lease " + lease + " (hex " + Long.toHexString(lease) + ") not found")
        .setRefusal(Refusal.LEASE_NOT_FOUND)
        .build();
  }
}
