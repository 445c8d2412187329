package dev.kvstore.client;

import dev.kvstore.api.WatchEvent;
import java.util.List;

/**
 * Receives the changes of a watch of the Watch service, a revision at a time: all the changes of
 * one revision (a transaction) in one call, in revision order, each revision once, on the client's
 * callback executor ({@link KvClient.Builder#callbackExecutor}). An exception thrown by a callback
 * is logged and does not stop the subscription.
 */
public interface RevisionListener {

  /** The changes the watch covers at {@code revision}, in the order they were made. */
  void onRevision(long revision, List<WatchEvent> events);

  /**
   * Nothing the watch covers changed after its last event up to {@code revision} (asked for with
   * {@link WatchOptions#withProgressNotify()}); a watch resumed later starts after it.
   */
  default void onProgress(long revision) {}

  /** As {@link WatchListener#onInterrupted}. */
  default void onInterrupted(String why) {}

  /** The watch ended for good (for example its start revision was compacted); no call follows. */
  void onError(KvClientException error);
}
