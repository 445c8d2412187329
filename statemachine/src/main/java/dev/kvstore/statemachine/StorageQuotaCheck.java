package dev.kvstore.statemachine;

import dev.kvstore.statemachine.proto.QuotaExceeded;
import java.util.Optional;

/**
 * The leader's storage quota, as {@link KvStateMachine#startTransaction} asks it for every client
 * command before the command reaches the log: while it answers a measurement, each write that
 * would add data (see {@link QuotaStamp#addsData}) is stamped with it, and every replica refuses
 * the stamped write at apply with {@code NO_SPACE} (as etcd's NOSPACE alarm: one decision, in the
 * log, for all members). Runs on Ratis's request thread for every write: it must answer at once,
 * from a measurement taken elsewhere.
 */
@FunctionalInterface
public interface StorageQuotaCheck {

  /** No quota: every write is admitted. */
  StorageQuotaCheck NONE = Optional::empty;

  /** What was measured when the storage is over the quota now, or empty when it is not (or there is none). */
  Optional<QuotaExceeded> exceeded();
}
