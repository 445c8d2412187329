package dev.kvstore.client;

import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.TxnResponse;

/**
 * The outcome of a compare-and-swap ({@link KvClient#cas}).
 *
 * @param won      whether the expectation held and the new value was written
 * @param revision the store revision after the call: the write's when won
 * @param current  when lost, the key's entry at {@code revision}; null when the key does not exist
 *                 (and when won)
 */
public record CasResult(boolean won, long revision, KeyValue current) {

  /** The result of the transaction {@link KvCalls#cas} sends: a put, else a read of the key. */
  static CasResult of(TxnResponse response) {
    KeyValue current = null;
    if (!response.getSucceeded() && response.getResponses(0).getResponseRange().getKvsCount() > 0) {
      current = response.getResponses(0).getResponseRange().getKvs(0);
    }
    return new CasResult(response.getSucceeded(), response.getHeader().getRevision(), current);
  }

  /**
   * Whether a lost compare-and-swap's read came back without the entry it found: a transaction
   * retried after a failover is answered with the first attempt's outcome but without the entries
   * its ranges read (the nodes keep outcomes only), so the entry is read again at the revision.
   */
  static boolean lostWithoutItsEntry(TxnResponse response) {
    return !response.getSucceeded() && response.getResponses(0).getResponseRange().getKvsCount() == 0
        && response.getResponses(0).getResponseRange().getCount() > 0;
  }

  /** A lost compare-and-swap whose entry was read again ({@code read}: the key at {@code response}'s revision). */
  static CasResult lost(TxnResponse response, RangeResponse read) {
    return new CasResult(false, response.getHeader().getRevision(), read.getKvsCount() > 0 ? read.getKvs(0) : null);
  }
}
