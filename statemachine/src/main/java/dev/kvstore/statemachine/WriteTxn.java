package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.List;

/**
 * The changes of one applied command, which all take the same revision (etcd's mvcc
 * {@code TxnWrite}): none of them is visible to readers until {@link #end()}, and then all are.
 * A write transaction that changes nothing takes no revision. Apply thread only; one at a time.
 */
public interface WriteTxn {

  /** The revision the changes take: the current revision plus one. */
  long revision();

  /**
   * Sets {@code key} to {@code value}, attached to {@code lease} (0: to none; whether the lease
   * exists is the caller's to check).
   *
   * @return the PUT event, with the key's previous entry (null when it did not exist)
   * @throws IllegalArgumentException when {@code key} is empty or was already changed by this
   *     transaction (one change per key and revision, as etcd's transactions require)
   */
  Event put(String key, ByteString value, long lease);

  /** {@link #put(String, ByteString, long)} attached to no lease. */
  default Event put(String key, ByteString value) {
    return put(key, value, 0);
  }

  /**
   * Deletes every key of {@code range} that exists. A key an earlier delete of this transaction
   * removed no longer exists and is skipped, so delete ranges may overlap (as in etcd's
   * transactions).
   *
   * @return one DELETE event per deleted key, in key order; empty when none existed
   * @throws IllegalArgumentException when the range holds a key this transaction put
   */
  List<Event> delete(KeyRange range);

  /**
   * The store as this transaction sees it: the store before it with its own changes so far
   * (read-your-own-writes, as a read inside an etcd transaction), at {@link #revision()} (which
   * reads at 0 mean too; other revisions are refused with IllegalArgumentException, and it has no
   * {@link ReadView#changes}). Apply thread, while the transaction is open; a read must be done
   * before the next change.
   */
  ReadView view();

  /** The events so far, in the order the changes were made. */
  List<Event> events();

  /**
   * Makes the changes visible at {@link #revision()}, or, when there were none, ends without a new
   * revision.
   *
   * @return the store's current revision afterwards
   */
  long end();
}
