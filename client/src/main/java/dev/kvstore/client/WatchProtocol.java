package dev.kvstore.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * What a {@link ResumingWatch} needs to know of the RPC it watches with: how to (re)start the watch
 * from a revision, what each response means, and how to hand changes to the caller. Implemented for
 * the original {@code KvStore.Watch} ({@link OriginalWatchProtocol}) and the multiplexed
 * {@code Watch.Watch} ({@link WatchServiceProtocol}). Called on the watch's worker thread only.
 *
 * @param <Q> request message
 * @param <R> response message
 */
interface WatchProtocol<Q, R> {

  MethodDescriptor<Q, R> method();

  /** The request that starts the watch at {@code startRevision} (0: from the next change on). */
  Q start(long startRevision);

  /** What {@code response} says. */
  Answer read(R response);

  /** Hands the changes of one revision to the caller. */
  void deliver(Changes changes);

  /** Tells the caller that nothing it watches changed up to {@code revision}. */
  void progress(long revision);

  /** Tells the caller that the stream broke and the watch is being resumed ({@code why}: what happened, where). */
  void interrupted(String why);

  /** Tells the caller that the watch ended for good. */
  void fail(KvClientException error);

  /** What is watched, for logs and error messages. */
  String describe();

  /** The meaning of one response. */
  sealed interface Answer permits Created, Changes, Progress, Ended, Pending {}

  /** The watch is registered, after {@code revision}. */
  record Created(long revision) implements Answer {}

  /**
   * Changes of one revision; {@code payload} is the protocol's own. {@code key} is null when they
   * are all of the revision's changes the watch covers; otherwise they are the one change of that
   * key, and others of the revision may come in other answers.
   */
  record Changes(long revision, String key, Object payload) implements Answer {}

  /** Nothing watched changed up to {@code revision}. */
  record Progress(long revision) implements Answer {}

  /** The node ended the watch (the stream may stay open): as if the stream had closed with {@code status}. */
  record Ended(Status status) implements Answer {}

  /** Part of an answer (a fragment); nothing to do yet. */
  record Pending() implements Answer {}
}
