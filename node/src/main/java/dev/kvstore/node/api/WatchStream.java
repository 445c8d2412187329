package dev.kvstore.node.api;

import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.request.ApiMapping;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.Event;
import dev.kvstore.statemachine.RevisionCompactedException;
import dev.kvstore.statemachine.Watch;
import dev.kvstore.statemachine.WatchCancellation;
import dev.kvstore.statemachine.WatchFilter;
import dev.kvstore.statemachine.WatchHub;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one watch to one gRPC call, honouring the call's flow control: events are sent only while
 * the transport is ready, otherwise they wait in the watch's bounded queue (and a watcher that
 * stays behind is cancelled by the hub rather than slowing anyone else down).
 *
 * <p>All sending happens in {@link #sendReady()}, which at most one executor thread runs at a time
 * ({@link SerialDrain}).
 */
final class WatchStream {

  private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);
  /** Events sent per drain before yielding the executor thread to other streams. */
  private static final int BATCH = 256;

  private final ServerCallStreamObserver<WatchResponse> call;
  private final WatchRequest request;
  private final WatchHub hub;
  private final ResponseHeaders headers;
  private final SerialDrain drain;
  private volatile Watch watch;
  private boolean finished;
  // Drain-confined: the revision being sent, one change per response, and how far.
  private List<Event> revision = List.of();
  private int sentOfRevision;

  WatchStream(ServerCallStreamObserver<WatchResponse> call, WatchRequest request, WatchHub hub,
      ResponseHeaders headers, Executor executor) {
    this.call = call;
    this.request = request;
    this.hub = hub;
    this.headers = headers;
    this.drain = new SerialDrain(executor, this::sendReady, this::failed);
  }

  void start() {
    call.setOnCancelHandler(this::onClientGone);
    call.setOnReadyHandler(this::signal);
    WatchFilter filter = new WatchFilter(request.getKey(), request.getPrefix());
    Watch registered;
    try {
      registered = hub.watch(filter, request.getStartRevision(), this::signal);
    } catch (RevisionCompactedException e) {
      call.onError(Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    WatchResponse created;
    try {
      String what = (filter.prefix() ? "keys with prefix '" : "key '") + filter.key() + "'";
      String from = request.getStartRevision() > 0 ? " from revision " + request.getStartRevision()
          : " after revision " + registered.createdRevision();
      created = WatchResponse.newBuilder()
          .setCreated(true)
          .setKey(request.getKey())
          .setHeader(headers.at(registered.createdRevision()))
          .setMessage("watching " + what + from)
          .build();
    } catch (RuntimeException e) {
      registered.close();
      call.onError(Status.UNAVAILABLE.withDescription("node cannot start the watch: " + e.getMessage())
          .asRuntimeException());
      return;
    }
    call.onNext(created);
    // Only now may drains run: nothing else may be sent before the created response.
    watch = registered;
    if (call.isCancelled()) {
      // the cancel handler ran before there was a watch to close
      registered.close();
      return;
    }
    signal();
  }

  private void onClientGone() {
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  /** Something may be sendable: the watch has events, ended, or the transport became ready. */
  private void signal() {
    if (watch != null) {
      drain.signal();
    }
  }

  private void failed(RuntimeException e) {
    LOG.warn("watch stream for '{}' failed: {}", request.getKey(), e.toString());
    finish(Status.INTERNAL.withDescription("watch stream failed: " + e));
  }

  /** Sends what the transport takes; false when it stopped only because the batch was used up. */
  private boolean sendReady() {
    if (finished || call.isCancelled()) {
      return true;
    }
    // An ended watch ends its stream at once, even when the client is not reading (that is
    // usually why it ended): what was sent arrives before the status, and the status says from
    // which revision to watch again, so nothing still queued here is lost to the client.
    var ended = watch.cancellation();
    if (ended.isPresent()) {
      end(ended.get());
      return true;
    }
    int sent = 0;
    while (call.isReady()) {
      if (sent == BATCH) {
        return false;
      }
      if (sentOfRevision == revision.size()) {
        revision = watch.pollRevision();
        sentOfRevision = 0;
        if (revision.isEmpty()) {
          // polling itself may have ended the watch (its replay fell behind the history)
          watch.cancellation().ifPresent(this::end);
          break;
        }
      }
      Event e = revision.get(sentOfRevision++);
      call.onNext(toResponse(e, sentOfRevision < revision.size()));
      sent++;
    }
    return true;
  }

  private WatchResponse toResponse(Event e, boolean revisionContinues) {
    WatchResponse.Builder response = WatchResponse.newBuilder()
        .setRevisionContinues(revisionContinues)
        .setMessage(ApiMapping.describe(e))
        .setType(ApiMapping.toApi(e.type()))
        .setKey(e.key())
        .setRevision(e.revision())
        .setKv(ApiMapping.toApi(e.kv()))
        .setHeader(headers.at(e.revision()));
    if (!request.getOmitValue()) {
      response.setValue(e.kv().value());
    }
    return response.build();
  }

  private void end(WatchCancellation why) {
    long resume = watch.lastPolledRevision() + 1;
    Status status = switch (why.reason()) {
      case OVERFLOW -> Status.RESOURCE_EXHAUSTED.withDescription(why.message() + "; watch again from revision " + resume);
      case COMPACTED -> Status.OUT_OF_RANGE.withDescription(why.message());
      case RESET, SHUTDOWN, LEADER_LOST -> Status.UNAVAILABLE.withDescription(why.message() + "; watch again from revision " + resume);
      case CLOSED -> null;
    };
    if (status == null) {
      finished = true;
      return;
    }
    finish(status);
  }

  private void finish(Status status) {
    if (finished) {
      return;
    }
    finished = true;
    watch.close();
    if (!call.isCancelled()) {
      call.onError(status.asRuntimeException());
    }
  }
}
