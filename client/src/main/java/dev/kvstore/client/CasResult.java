package dev.kvstore.client;

import dev.kvstore.api.KeyValue;
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
}
