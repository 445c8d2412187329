package dev.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch that survives node failures: when its stream breaks it reconnects (next endpoint, with
 * backoff) from the revision after the last one delivered, and drops anything already delivered.
 * Each stream first waits for its endpoint's connection (at most the connect timeout; a node that
 * does not connect counts as a broken stream), and only then gets the attempt timeout to register.
 *
 * <p>All of its state lives on one thread, which also calls the listener; gRPC callbacks are
 * handed over to that thread, so no locking is needed and the listener sees events in order.
 *
 * @param <Q> request message of the watch RPC ({@link WatchProtocol})
 * @param <R> response message
 */
final class ResumingWatch<Q, R> implements WatchSubscription {

  private static final Logger log = LoggerFactory.getLogger(ResumingWatch.class);

  /** Stream endings after which the same watch can go on elsewhere. */
  static final Set<Status.Code> RESUMABLE = EnumSet.of(
      Status.Code.OK, // the server ended the stream without an error: a node shutting down
      Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED,
      Status.Code.RESOURCE_EXHAUSTED); // the server dropped us for falling behind

  private final WatchProtocol<Q, R> protocol;
  private final EndpointChannels channels;
  private final EndpointRotation rotation;
  private final Duration attemptTimeout;
  private final Duration connectTimeout;
  private final Consumer<ResumingWatch<?, ?>> onFinished;
  /** Runs this watch's work and its listener, one task at a time, on the client's callback threads. */
  private final SerializingExecutor worker;
  /**
   * Where gRPC parses this watch's messages and calls its listener: not the event loop that
   * unary calls use (their listeners are quick), because thousands of watches would queue every
   * answer of the client behind their events there.
   */
  private final Executor callbacks;
  private final ScheduledExecutorService timer;
  /** Timers that will hand a task to the worker; cancelled when the watch ends. */
  private final Set<ScheduledFuture<?>> timers = ConcurrentHashMap.newKeySet();
  private final CountDownLatch settled = new CountDownLatch(1);

  private volatile boolean finished;
  private volatile long createdRevision = -1;

  // Confined to the worker (one task at a time).
  private final Backoff backoff;
  private ClientCall<Q, R> call;
  private int generation;
  private int position;
  private boolean streamCreated;
  private boolean createTimedOut;
  private int outOfRangeAnswers;
  private ScheduledFuture<?> createTimer;
  /** Highest revision delivered whole, or below which nothing is wanted; -1 while unknown. */
  private long floor;
  /**
   * A revision above {@link #floor} of which some changes were delivered, and their keys: the
   * original watch sends one change per response, marking all but a revision's last as continuing.
   * A revision changes a key at most once, so when a stream breaks in the middle of a revision, the
   * watch resumes from it and the changes sent again are told apart by key.
   */
  private long partialRevision = -1;
  private final Set<String> partialKeys = new HashSet<>();

  /**
   * @param callbacks where this watch's work and its listener run, one task at a time (the
   *                  client's callback executor)
   * @param timer     for reconnect pauses and registration timeouts (the client's timer); its
   *                  tasks only hand work to {@code callbacks}
   */
  ResumingWatch(
      WatchProtocol<Q, R> protocol,
      long startRevision,
      EndpointChannels channels,
      EndpointRotation rotation,
      Duration attemptTimeout,
      Duration connectTimeout,
      Executor callbacks,
      ScheduledExecutorService timer,
      Consumer<ResumingWatch<?, ?>> onFinished) {
    this.protocol = protocol;
    this.channels = channels;
    this.rotation = rotation;
    this.attemptTimeout = attemptTimeout;
    this.connectTimeout = connectTimeout;
    this.onFinished = onFinished;
    this.backoff = new Backoff(rotation.size());
    this.position = rotation.preferred();
    this.floor = startRevision > 0 ? startRevision - 1 : -1;
    this.worker = new SerializingExecutor(callbacks);
    this.callbacks = callbacks;
    this.timer = timer;
  }

  void start() {
    runOnWorker(this::connect);
  }

  @Override
  public boolean awaitCreated(Duration timeout) throws InterruptedException {
    settled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return createdRevision >= 0;
  }

  @Override
  public OptionalLong createdRevision() {
    long revision = createdRevision;
    return revision >= 0 ? OptionalLong.of(revision) : OptionalLong.empty();
  }

  @Override
  public void close() {
    if (finished) {
      return;
    }
    finished = true;
    runOnWorker(() -> cancelCall("watch closed by the client"));
    stopWorker();
    if (!worker.isCurrentThread()) {
      try {
        worker.awaitTermination(Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void connect() {
    if (finished) {
      return;
    }
    Endpoint endpoint = rotation.at(position);
    int callGeneration = ++generation;
    streamCreated = false;
    createTimedOut = false;
    // Connect first: the registration timer below must time the node, not our own set-up.
    channels.connected(endpoint, connectTimeout)
        .whenComplete((state, error) -> runOnWorker(() -> onConnected(callGeneration, endpoint, error)));
  }

  private void onConnected(int callGeneration, Endpoint endpoint, Throwable error) {
    if (finished || callGeneration != generation) {
      return;
    }
    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
    if (cause instanceof IllegalStateException closed) {
      fail(new KvClientException(Status.Code.CANCELLED, "watch stopped: " + closed.getMessage(), false, closed));
      return;
    }
    if (cause != null) {
      String why = cause instanceof TimeoutException
          ? "could not connect within " + DurationText.of(connectTimeout)
          : "could not connect: " + cause;
      onClose(callGeneration, endpoint, Status.UNAVAILABLE.withDescription(why));
      return;
    }
    long from = partialRevision > floor ? partialRevision : floor >= 0 ? floor + 1 : 0;
    Q request = protocol.start(from);
    ClientCall<Q, R> newCall;
    try {
      newCall = channels.channelFor(endpoint).newCall(protocol.method(), CallOptions.DEFAULT.withExecutor(callbacks));
    } catch (IllegalStateException e) {
      fail(new KvClientException(Status.Code.CANCELLED, "watch stopped: " + e.getMessage(), false, e));
      return;
    }
    call = newCall;
    log.debug("watch {} connecting to {} from revision {}", protocol.describe(), endpoint, from);
    newCall.start(new StreamListener(callGeneration, endpoint), new Metadata());
    newCall.sendMessage(request);
    newCall.halfClose();
    newCall.request(1);
    // A streaming call has no deadline, but registering the watch must not hang on a dead node.
    createTimer = runOnWorkerAfter(attemptTimeout, () -> {
      if (callGeneration == generation && !streamCreated) {
        createTimedOut = true;
        newCall.cancel("watch not registered within " + DurationText.of(attemptTimeout), null);
      }
    });
  }

  private void onResponse(int callGeneration, Endpoint endpoint, R response) {
    if (finished || callGeneration != generation) {
      return;
    }
    WatchProtocol.Answer answer = protocol.read(response);
    if (answer instanceof WatchProtocol.Created created) {
      onCreated(created);
    } else if (answer instanceof WatchProtocol.Changes changes) {
      if (delivered(changes)) {
        log.debug("watch {} dropped already delivered revision {}", protocol.describe(), changes.revision());
      } else {
        deliver(changes);
      }
    } else if (answer instanceof WatchProtocol.Progress progress) {
      if (streamCreated) {
        if (progress.revision() > floor) {
          floor = progress.revision();
          partialKeys.clear();
        }
        // Told even when it does not move: an idle watcher learns that its stream is alive.
        protocol.progress(Math.max(floor, progress.revision()));
      }
    } else if (answer instanceof WatchProtocol.Ended ended) {
      // The node ended the watch but may keep the stream: leave it (later callbacks of this call
      // are ignored), and go on as if it had closed.
      cancelCall("the node ended the watch");
      onClose(++generation, endpoint, ended.status());
      return;
    }
    if (!finished && call != null) {
      call.request(1);
    }
  }

  /**
   * Whether {@code changes} were delivered before (a resumed stream sends some again), and if not,
   * notes them as delivered.
   */
  private boolean delivered(WatchProtocol.Changes changes) {
    long revision = changes.revision();
    if (floor >= 0 && revision <= floor) {
      return true;
    }
    if (changes.key() == null) {
      // The last (or only) change of its revision: that revision is now delivered whole. Changes of
      // it delivered before a break came again marked as continuing and were told apart by key.
      floor = revision;
      partialKeys.clear();
      return false;
    }
    if (revision == partialRevision) {
      return !partialKeys.add(changes.key());
    }
    if (revision < partialRevision) {
      return true;
    }
    // A later revision: the one before it is complete.
    floor = Math.max(floor, partialRevision);
    partialRevision = revision;
    partialKeys.clear();
    partialKeys.add(changes.key());
    return false;
  }

  private void onCreated(WatchProtocol.Created response) {
    if (streamCreated) {
      return;
    }
    streamCreated = true;
    cancelCreateTimer();
    rotation.succeeded(position);
    backoff.reset();
    outOfRangeAnswers = 0;
    if (createdRevision < 0) {
      createdRevision = response.revision();
      if (floor < 0) {
        floor = createdRevision;
      }
      settled.countDown();
    } else {
      log.info("watch {} resumed on {} from revision {}", protocol.describe(), rotation.at(position), floor + 1);
    }
  }

  private void deliver(WatchProtocol.Changes changes) {
    try {
      protocol.deliver(changes);
    } catch (RuntimeException e) {
      log.warn("watch listener for {} failed on revision {}", protocol.describe(), changes.revision(), e);
    }
  }

  private void onClose(int callGeneration, Endpoint endpoint, Status status) {
    if (finished || callGeneration != generation) {
      return;
    }
    call = null;
    cancelCreateTimer();
    Status.Code code = createTimedOut ? Status.Code.DEADLINE_EXCEEDED : ConnectionLoss.asUnavailable(status).getCode();
    if (code == Status.Code.CANCELLED) {
      // This watch cancels only calls it has already left behind (closed or timed out), so this
      // is the node resetting the stream as it shuts down.
      code = Status.Code.UNAVAILABLE;
    }
    String what = endpoint + " " + code
        + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    // A node that restarted or installed a snapshot no longer holds the history this watch needs,
    // but another node may: only when every endpoint says so is the history gone.
    boolean historyElsewhere = code == Status.Code.OUT_OF_RANGE && ++outOfRangeAnswers < rotation.size();
    if (!RESUMABLE.contains(code) && !historyElsewhere) {
      fail(new KvClientException(code, "watch on '" + protocol.describe() + "' failed: " + what, false,
          status.asRuntimeException()));
      return;
    }
    position = rotation.failed(position);
    Duration pause = backoff.afterFailure();
    log.info("watch {} stream ended: {}; reconnecting to {} in {}",
        protocol.describe(), what, rotation.at(position), DurationText.of(pause));
    // Only a watch that was established is interrupted; one still being set up has its own timeout.
    if (createdRevision >= 0) {
      try {
        protocol.interrupted(what + "; resuming on " + rotation.at(position) + " in " + DurationText.of(pause));
      } catch (RuntimeException e) {
        log.warn("watch listener for {} failed in onInterrupted", protocol.describe(), e);
      }
    }
    runOnWorkerAfter(pause, this::connect);
  }

  private void fail(KvClientException error) {
    finished = true;
    cancelCall("watch failed");
    try {
      protocol.fail(error);
    } catch (RuntimeException e) {
      log.warn("watch listener for {} failed in onError", protocol.describe(), e);
    }
    stopWorker();
  }

  private void cancelCall(String reason) {
    if (call != null) {
      call.cancel(reason, null);
      call = null;
    }
  }

  private void stopWorker() {
    worker.shutdown();
    timers.forEach(pending -> pending.cancel(false));
    timers.clear();
    settled.countDown();
    onFinished.accept(this);
  }

  private void runOnWorker(Runnable task) {
    try {
      worker.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      if (!finished) {
        // Not shut down by us: the caller's callback executor refused (it was shut down first).
        log.warn("watch {} stopped: the client's callback executor refused its work", protocol.describe());
        finished = true;
        cancelCall("callback executor refused");
        stopWorker();
      }
      // Otherwise the watch has finished: late gRPC callbacks have nobody to go to.
    }
  }

  private ScheduledFuture<?> runOnWorkerAfter(Duration delay, Runnable task) {
    ScheduledFuture<?> pending;
    try {
      pending = timer.schedule(() -> runOnWorker(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The client is closing: close() cancels the call.
      return null;
    }
    timers.removeIf(Future::isDone);
    timers.add(pending);
    if (finished) {
      pending.cancel(false);
    }
    return pending;
  }

  private void cancelCreateTimer() {
    if (createTimer != null) {
      createTimer.cancel(false);
      createTimer = null;
    }
  }

  /** The executor would swallow an exception silently; a bug must end the watch visibly instead. */
  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        log.error("watch {} stopped by an unexpected error", protocol.describe(), e);
        if (!finished) {
          fail(new KvClientException(Status.Code.INTERNAL, "watch on '" + protocol.describe()
              + "' stopped by an unexpected error: " + e, false, e));
        }
      }
    };
  }

  /** Hands each gRPC callback of one call over to the worker thread, tagged with its call. */
  private final class StreamListener extends ClientCall.Listener<R> {
    private final int callGeneration;
    private final Endpoint endpoint;

    StreamListener(int callGeneration, Endpoint endpoint) {
      this.callGeneration = callGeneration;
      this.endpoint = endpoint;
    }

    @Override
    public void onMessage(R message) {
      runOnWorker(() -> onResponse(callGeneration, endpoint, message));
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      runOnWorker(() -> ResumingWatch.this.onClose(callGeneration, endpoint, status));
    }
  }
}
