package dev.kvstore.comparison;

import java.util.Optional;

/** The watchers of one system in a watch-latency comparison, however its client opens them. */
interface WatcherGroup extends AutoCloseable {

  /** Starts every watcher; they register with their node in the background. */
  void open();

  /** Watchers the node has registered so far. */
  int registered();

  /** Watchers that ended for good (a terminal error). */
  int ended();

  /** The error that ended the first watcher that ended, if any did. */
  Optional<String> firstError();

  /** Events received that carried no send time. */
  long foreign();

  /** Closes every watcher (not the client). */
  @Override
  void close();
}
