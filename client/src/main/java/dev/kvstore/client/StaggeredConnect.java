package dev.kvstore.client;

import io.grpc.ConnectivityState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Connects to the first endpoint that can be reached, asking the endpoints one after another the
 * way Happy Eyeballs (RFC 8305) asks a host's addresses: the next one only once the previous one
 * failed to connect or has not connected within the stagger delay. A cluster whose preferred
 * endpoint is up so costs one channel and one connection (a one-shot CLI command used to open one
 * per node), a dead endpoint (connection refused) costs almost nothing, and a silent one (a paused
 * node) costs the stagger delay rather than the connect timeout.
 */
final class StaggeredConnect {

  /** RFC 8305's recommended Connection Attempt Delay. */
  static final Duration STAGGER = Duration.ofMillis(250);

  private final EndpointChannels channels;
  private final EndpointRotation rotation;
  private final List<Integer> order;
  private final Duration stagger;
  private final ScheduledExecutorService timer;
  private final long deadline;
  private final CompletableFuture<Integer> firstReady = new CompletableFuture<>();
  private int asked;
  private int settled;

  private StaggeredConnect(
      EndpointChannels channels, EndpointRotation rotation, Duration timeout, Duration stagger,
      ScheduledExecutorService timer) {
    this.channels = channels;
    this.rotation = rotation;
    this.order = new ArrayList<>();
    for (int i = 0; i < rotation.size(); i++) {
      order.add((rotation.preferred() + i) % rotation.size());
    }
    this.stagger = stagger;
    this.timer = timer;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /**
   * Starts connecting, from the rotation's preferred endpoint on. The future completes with the
   * rotation position of the first endpoint whose channel became READY, or with -1 once every
   * endpoint failed to connect or {@code timeout} passed; it completes on a gRPC or timer thread.
   */
  static CompletableFuture<Integer> firstReady(
      EndpointChannels channels, EndpointRotation rotation, Duration timeout, Duration stagger,
      ScheduledExecutorService timer) {
    StaggeredConnect connect = new StaggeredConnect(channels, rotation, timeout, stagger, timer);
    connect.ask(0);
    return connect.firstReady;
  }

  /** Asks the endpoint at index {@code next} of the order, unless it was asked already. */
  private void ask(int next) {
    synchronized (this) {
      if (firstReady.isDone() || asked != next || next == order.size()) {
        return;
      }
      asked++;
    }
    int position = order.get(next);
    long left = deadline - System.nanoTime();
    channels.connected(rotation.at(position), Duration.ofNanos(Math.max(1, left)))
        .whenComplete((state, error) -> onSettled(next, position, state));
    if (next + 1 < order.size()) {
      try {
        timer.schedule(() -> ask(next + 1), stagger.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        // The client is closing: the endpoints asked so far settle by themselves.
      }
    }
  }

  private void onSettled(int index, int position, ConnectivityState state) {
    if (state == ConnectivityState.READY) {
      firstReady.complete(position);
      return;
    }
    boolean none;
    synchronized (this) {
      none = ++settled == order.size();
    }
    if (none) {
      firstReady.complete(-1);
    } else {
      ask(index + 1);
    }
  }
}
