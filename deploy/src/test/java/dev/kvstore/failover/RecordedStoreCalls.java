package dev.kvstore.failover;

import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.client.KvClientException;
import dev.kvstore.failover.store.StoreHistoryRecorder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs client calls and records each in the run's store history, in transaction form: invoked just
 * before the call, then OK with its answer, FAIL, or UNKNOWN when the client cannot know whether
 * a write was applied. Thread-safe.
 */
final class RecordedStoreCalls {

  private final StoreHistoryRecorder recorder;

  RecordedStoreCalls(StoreHistoryRecorder recorder) {
    this.recorder = recorder;
  }

  /**
   * Runs {@code call} as {@code process}, recorded as {@code form}.
   *
   * @param answer the answer in transaction form ({@link dev.kvstore.failover.store.TxnForm})
   * @throws KvClientException from the call, once recorded
   */
  <T> T call(int process, TxnRequest form, Supplier<T> call, Function<T, TxnResponse> answer) {
    return callAt(process, form, 0, call, answer);
  }

  /** As {@link #call}, for a read of the past revision {@code pastRevision}. */
  <T> T callAt(int process, TxnRequest form, long pastRevision, Supplier<T> call, Function<T, TxnResponse> answer) {
    long id = recorder.invokeAt(process, form, pastRevision);
    T result;
    try {
      result = call.get();
    } catch (KvClientException e) {
      if (e.outcomeUnknown()) {
        recorder.unknown(id);
      } else {
        recorder.fail(id);
      }
      throw e;
    }
    recorder.ok(id, answer.apply(result));
    return result;
  }
}
