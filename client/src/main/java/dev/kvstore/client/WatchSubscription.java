package dev.kvstore.client;

import java.time.Duration;
import java.util.OptionalLong;

/** A running watch: it reconnects by itself until closed or until a terminal error. */
public interface WatchSubscription extends AutoCloseable {

  /**
   * Waits until the server has registered the watch (its first {@code created} response).
   *
   * @return true once registered; false if the timeout passed, or the watch ended or was closed
   *     first
   */
  boolean awaitCreated(Duration timeout) throws InterruptedException;

  /** The store revision when the watch was first registered; empty until then. */
  OptionalLong createdRevision();

  /** Stops the watch: cancels the stream, stops reconnecting, and delivers nothing afterwards. */
  @Override
  void close();
}
