package dev.kvstore.client;

import dev.kvstore.api.WatchResponse;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives the events of one watch, in revision order, one call at a time, on the client's callback
 * executor ({@link KvClient.Builder#callbackExecutor}): a listener that blocks holds up only its
 * own watch. An exception thrown by a callback is logged and does not stop the subscription.
 */
public interface WatchListener {

  /** A change (never the {@code created} response, never a revision delivered before). */
  void onEvent(WatchResponse event);

  /**
   * The stream of an established watch broke ({@code why} says how and on which node) and the watch
   * is being resumed, on the next node, without gap or repeat; called once per attempt, before the
   * wait to reconnect.
   */
  default void onInterrupted(String why) {}

  /** The watch ended for good (for example its start revision was compacted); no call follows. */
  void onError(KvClientException error);

  /** A listener made of two lambdas. */
  static WatchListener of(Consumer<WatchResponse> onEvent, Consumer<KvClientException> onError) {
    Objects.requireNonNull(onEvent, "onEvent");
    Objects.requireNonNull(onError, "onError");
    return new WatchListener() {
      @Override
      public void onEvent(WatchResponse event) {
        onEvent.accept(event);
      }

      @Override
      public void onError(KvClientException error) {
        onError.accept(error);
      }
    };
  }
}
