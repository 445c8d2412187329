package dev.kvstore.client;

import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one lease alive until closed (etcd's client {@code KeepAlive}): renews it over a
 * {@code LeaseKeepAlive} stream every third of its TTL, so two renewals in a row may fail before it
 * is at risk. When the stream breaks, or a renewal is not answered within the attempt timeout, it
 * opens a stream to the next endpoint (with the client's usual backoff between rounds). It gives up
 * and tells the listener once: when the server says the lease does not exist (NOT_FOUND), or when
 * no renewal succeeded for a whole TTL since the last one (the lease may have expired); before the
 * first answer, the TTL is taken as {@link #FIRST_ANSWER_WAIT}.
 *
 * <p>All state lives on one serializing worker over the client's callback executor, so the
 * listener is called one call at a time, in order. Obtained from {@link LeaseClient#keepAlive}.
 */
public final class LeaseKeepAlive implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LeaseKeepAlive.class);
  /** How long a keep-alive tries to get its first renewal through before it reports the lease lost. */
  static final Duration FIRST_ANSWER_WAIT = Duration.ofSeconds(10);
  /** Shortest pause between two renewals. */
  private static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final long id;
  private final LeaseKeepAliveListener listener;
  private final EndpointChannels channels;
  private final EndpointRotation rotation;
  private final Duration attemptTimeout;
  private final Executor callbacks;
  private final ScheduledExecutorService timer;
  private final Consumer<LeaseKeepAlive> onFinished;
  private final SerializingExecutor worker;
  private final Backoff backoff;
  private volatile boolean finished;
  // Worker only.
  private int position;
  private int generation;
  private StreamObserver<LeaseKeepAliveRequest> requests;
  private long ttlNanos = FIRST_ANSWER_WAIT.toNanos();
  /** When the last renewal that was answered was sent (nanoTime). */
  private long renewedAt;
  private long sentAt;
  private boolean awaitingAnswer;
  private ScheduledFuture<?> nextRenewal;
  private ScheduledFuture<?> answerDeadline;

  LeaseKeepAlive(long id, LeaseKeepAliveListener listener, EndpointChannels channels, EndpointRotation rotation,
      Duration attemptTimeout, Executor callbacks, ScheduledExecutorService timer, Consumer<LeaseKeepAlive> onFinished) {
    this.id = id;
    this.listener = listener;
    this.channels = channels;
    this.rotation = rotation;
    this.attemptTimeout = attemptTimeout;
    this.callbacks = callbacks;
    this.timer = timer;
    this.onFinished = onFinished;
    this.worker = new SerializingExecutor(callbacks);
    this.backoff = new Backoff(rotation.size());
    this.position = rotation.preferred();
  }

  /** The lease this keeps alive. */
  public long id() {
    return id;
  }

  void start() {
    onWorker(() -> {
      renewedAt = System.nanoTime();
      open();
    });
  }

  /** Stops renewing; the lease then expires a TTL after its last renewal unless revoked first. */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    finished = true;
    onWorker(() -> stopStream("keep-alive closed by the client"));
    onFinished.accept(this);
  }

  private void open() {
    if (finished) {
      return;
    }
    int gen = ++generation;
    Endpoint endpoint = rotation.at(position);
    StreamObserver<LeaseKeepAliveResponse> answers = new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse response) {
        onWorker(() -> answered(gen, response));
      }

      @Override
      public void onError(Throwable t) {
        onWorker(() -> broken(gen, endpoint, Status.fromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        onWorker(() -> broken(gen, endpoint, Status.UNAVAILABLE.withDescription("the node ended the stream")));
      }
    };
    try {
      requests = LeaseGrpc.newStub(channels.channelFor(endpoint)).withExecutor(callbacks).leaseKeepAlive(answers);
    } catch (IllegalStateException closed) {
      // The client is closing: it closes this handle too.
      finished = true;
      return;
    }
    send(gen, endpoint);
  }

  private void send(int gen, Endpoint endpoint) {
    if (finished || gen != generation) {
      return;
    }
    sentAt = System.nanoTime();
    awaitingAnswer = true;
    requests.onNext(LeaseKeepAliveRequest.newBuilder().setId(id).build());
    answerDeadline = after(attemptTimeout.toNanos(), () -> {
      if (gen == generation && awaitingAnswer) {
        broken(gen, endpoint, Status.DEADLINE_EXCEEDED.withDescription("no answer within "
            + DurationText.of(attemptTimeout)));
      }
    });
  }

  private void answered(int gen, LeaseKeepAliveResponse response) {
    if (finished || gen != generation) {
      return;
    }
    awaitingAnswer = false;
    cancel(answerDeadline);
    if (response.getTtl() <= 0) {
      lose(Status.Code.NOT_FOUND, "lease " + Long.toHexString(id) + " not found: it expired or was revoked");
      return;
    }
    renewedAt = sentAt;
    ttlNanos = TimeUnit.SECONDS.toNanos(response.getTtl());
    backoff.reset();
    rotation.succeeded(position);
    try {
      listener.renewed(response.getTtl());
    } catch (RuntimeException e) {
      log.warn("lease {} keep-alive listener failed: {}", Long.toHexString(id), e.toString());
    }
    Endpoint endpoint = rotation.at(position);
    nextRenewal = after(Math.max(MIN_INTERVAL_NANOS, ttlNanos / 3), () -> send(gen, endpoint));
  }

  private void broken(int gen, Endpoint endpoint, Status status) {
    if (finished || gen != generation) {
      return;
    }
    stopStream("replaced after " + status.getCode());
    if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
      lose(status.getCode(), "keep-alive of lease " + Long.toHexString(id) + " refused by " + endpoint + ": "
          + status.getDescription());
      return;
    }
    if (System.nanoTime() - renewedAt >= ttlNanos) {
      lose(Status.Code.UNAVAILABLE, "lease " + Long.toHexString(id) + " could not be renewed for "
          + DurationText.of(Duration.ofNanos(ttlNanos)) + " and may have expired; last failure: " + endpoint + " "
          + status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"));
      return;
    }
    position = rotation.failed(position);
    Duration pause = backoff.afterFailure();
    log.info("lease {} keep-alive on {} failed ({}); renewing through {} in {}", Long.toHexString(id), endpoint,
        status.getCode(), rotation.at(position), DurationText.of(pause));
    after(pause.toNanos(), this::open);
  }

  private void lose(Status.Code code, String why) {
    finished = true;
    stopStream(why);
    onFinished.accept(this);
    try {
      listener.lost(new KvClientException(code, why, false, null));
    } catch (RuntimeException e) {
      log.warn("lease {} keep-alive listener failed: {}", Long.toHexString(id), e.toString());
    }
  }

  /** Ends the current stream, if any, and forgets its timers: later answers on it are ignored. */
  private void stopStream(String why) {
    generation++;
    cancel(nextRenewal);
    cancel(answerDeadline);
    if (requests != null) {
      StreamObserver<LeaseKeepAliveRequest> ending = requests;
      requests = null;
      try {
        ending.onError(Status.CANCELLED.withDescription(why).asRuntimeException());
      } catch (RuntimeException e) {
        // Already ended.
      }
    }
  }

  private ScheduledFuture<?> after(long nanos, Runnable task) {
    try {
      return timer.schedule(() -> onWorker(task), nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The client is closing; it closes this handle.
      return null;
    }
  }

  private void onWorker(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      finished = true;
    }
  }

  private static void cancel(ScheduledFuture<?> pending) {
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
