package dev.kvstore.node.api;

import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchCancelRequest;
import dev.kvstore.api.WatchCreateRequest;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.api.WatchFilterType;
import dev.kvstore.api.WatchStreamRequest;
import dev.kvstore.api.WatchStreamResponse;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.request.ApiMapping;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.Event;
import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.RevisionCompactedException;
import dev.kvstore.statemachine.Watch;
import dev.kvstore.statemachine.WatchCancellation;
import dev.kvstore.statemachine.WatchFilter;
import dev.kvstore.statemachine.WatchHub;
import dev.kvstore.statemachine.auth.Access;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream of the {@code Watch} service: many watches multiplexed on one bidirectional call, as
 * etcd's watch stream. Requests create a watch, cancel one, or ask for progress; each response
 * belongs to one watch ({@code watch_id}) or, for progress asked of the whole stream, to all (-1).
 *
 * <p>All the changes of one revision that a watch covers go in one response (a transaction is
 * never split), unless they exceed {@link RequestLimits#MAX_RANGE_BYTES}: then they are sent in
 * fragments, all but the last marked {@code fragment}. A watch that ends on its own (it fell behind,
 * its replay was overtaken by a compaction) gets a {@code canceled} response and the stream goes on;
 * when the node ends watches for a reason of its own (shutdown, no leader, a snapshot without the
 * history they need), the stream ends with UNAVAILABLE so that the client resumes elsewhere.
 *
 * <p>Bad requests are answered on the stream, never by ending it: a create that breaks a limit, names
 * an id in use, is one watch too many, or starts at a compacted revision is answered
 * {@code created} and {@code canceled} at once with watch id -1 (as etcd, and never the id of a live
 * watch); a cancel of an unknown or negative id gets a {@code canceled} response with that id. Each
 * {@code cancel_reason} starts with the status it stands for and says what is wrong. Only a request
 * with no operation at all ends the stream (INVALID_ARGUMENT): the client is not speaking this
 * protocol.
 *
 * <p>Everything runs in {@link #step()}, which at most one executor thread runs at a time ({@link SerialDrain}):
 * requests are queued by the transport and handled there, then events are sent while the transport
 * is ready (flow control), round robin over the watches.
 */
final class WatchSession implements StreamObserver<WatchStreamRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(WatchSession.class);
  /** Responses sent per watch per round, so that one busy watch cannot starve the others. */
  private static final int REVISIONS_PER_ROUND = 16;
  /** Responses sent per drain before yielding the executor thread to other streams. */
  private static final int BATCH = 256;

  private final ServerCallStreamObserver<WatchStreamResponse> call;
  private final WatchHub hub;
  private final ResponseHeaders headers;
  private final SerialDrain drain;
  private final Permissions permissions;
  private final String user;
  private final ScheduledFuture<?> ticks;
  private final Queue<WatchStreamRequest> requests = new ConcurrentLinkedQueue<>();
  private volatile boolean progressTick;
  // Drain-confined.
  private final Map<Long, Entry> watches = new LinkedHashMap<>();
  private long nextId = 1;
  private boolean progressRequested;
  private boolean finished;

  /** One watch of the stream and what it asked for. */
  private static final class Entry {
    final long id;
    final Watch watch;
    final WatchCreateRequest request;
    final boolean noPut;
    final boolean noDelete;
    /** Whether anything was sent for it since the last progress tick. */
    boolean sentSinceTick;

    Entry(long id, Watch watch, WatchCreateRequest request) {
      this.id = id;
      this.watch = watch;
      this.request = request;
      this.noPut = request.getFiltersList().contains(WatchFilterType.NOPUT);
      this.noDelete = request.getFiltersList().contains(WatchFilterType.NODELETE);
    }
  }

  /**
   * @param progressInterval how often watches that asked for progress notifications and had
   *                         nothing sent meanwhile are told how current they are
   * @param user             who the stream acts for (its watches need read access to their keys)
   */
  WatchSession(ServerCallStreamObserver<WatchStreamResponse> call, WatchHub hub, ResponseHeaders headers,
      Executor executor, ScheduledExecutorService scheduler, Duration progressInterval, Permissions permissions,
      String user) {
    this.call = call;
    this.permissions = permissions;
    this.user = user;
    this.hub = hub;
    this.headers = headers;
    this.drain = new SerialDrain(executor, this::step, this::failed);
    call.setOnReadyHandler(this::signal);
    call.setOnCancelHandler(this::signal);
    this.ticks = scheduler.scheduleWithFixedDelay(this::progressTick, progressInterval.toNanos(),
        progressInterval.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onNext(WatchStreamRequest request) {
    requests.add(request);
    signal();
  }

  @Override
  public void onError(Throwable t) {
    signal();
  }

  @Override
  public void onCompleted() {
    // The client sends no more requests; its watches go on until it cancels the call, as in etcd.
  }

  /** Asks every watch with progress_notify that had nothing sent since the last tick to say how current it is. */
  private void progressTick() {
    progressTick = true;
    signal();
  }

  /** Something may be to do: a request, events, an ended watch, a ready transport, a cancelled call. */
  private void signal() {
    drain.signal();
  }

  private void failed(RuntimeException e) {
    LOG.warn("watch stream with {} watches failed: {}", watches.size(), e.toString());
    finish(Status.INTERNAL.withDescription("watch stream failed: " + e));
  }

  /** Handles requests and sends what the transport takes; false when it stopped only because the batch was used up. */
  private boolean step() {
    if (finished) {
      return true;
    }
    if (call.isCancelled()) {
      closeAll();
      finished = true;
      return true;
    }
    for (WatchStreamRequest request; !finished && (request = requests.poll()) != null; ) {
      handle(request);
    }
    if (finished) {
      return true;
    }
    int sent = 0;
    boolean more = true;
    while (more && call.isReady() && !finished) {
      more = false;
      for (Iterator<Entry> it = watches.values().iterator(); it.hasNext() && !finished; ) {
        Entry entry = it.next();
        for (int n = 0; n < REVISIONS_PER_ROUND && call.isReady(); n++) {
          if (sent >= BATCH) {
            return false;
          }
          List<Event> changes = entry.watch.pollRevision();
          if (changes.isEmpty()) {
            if (entry.watch.cancellation().isPresent() && ended(entry, entry.watch.cancellation().get())) {
              it.remove();
            }
            break;
          }
          sent += send(entry, changes);
          more = true;
        }
      }
    }
    if (!finished && call.isReady()) {
      sendProgress();
    }
    return true;
  }

  private void handle(WatchStreamRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(request.getCreateRequest());
      case CANCEL_REQUEST -> cancel(request.getCancelRequest());
      case PROGRESS_REQUEST -> progressRequested = true;
      case REQUESTUNION_NOT_SET -> finish(Status.INVALID_ARGUMENT.withDescription("a watch stream request needs one"
          + " of create_request, cancel_request or progress_request"));
    }
  }

  private void create(WatchCreateRequest request) {
    try {
      RequestLimits.check(request);
    } catch (StatusRuntimeException e) {
      refuseCreate(e.getStatus().getCode() + ": " + e.getStatus().getDescription(), 0);
      return;
    }
    if (watches.containsKey(request.getWatchId())) {
      refuseCreate("INVALID_ARGUMENT: watch id " + request.getWatchId() + " is already in use on this stream; use"
          + " another, or 0 for one picked by the server", 0);
      return;
    }
    if (watches.size() >= RequestLimits.MAX_WATCHES_PER_STREAM) {
      refuseCreate("RESOURCE_EXHAUSTED: a stream holds at most " + RequestLimits.MAX_WATCHES_PER_STREAM
          + " watches; cancel one or open another stream", 0);
      return;
    }
    KeyRange range = ApiMapping.keyRange(request.getKey(), request.getRangeEnd(), request.getPrefix());
    Optional<StatusRuntimeException> denied = permissions.denied(user, Access.READ, range);
    if (denied.isPresent()) {
      refuseCreate("PERMISSION_DENIED: " + denied.get().getStatus().getDescription(), 0);
      return;
    }
    long id = request.getWatchId() != 0 ? request.getWatchId() : freeId();
    WatchFilter filter = new WatchFilter(range);
    Watch watch;
    try {
      watch = hub.watch(filter, request.getStartRevision(), this::signal);
    } catch (RevisionCompactedException e) {
      refuseCreate("OUT_OF_RANGE: " + e.getMessage(), e.oldestAvailableRevision() - 1);
      return;
    }
    watches.put(id, new Entry(id, watch, request));
    // The revision the watch starts after: changes up to it that it covers are not to come (a
    // replaying watch sends those from its start revision first).
    long startsAfter = request.getStartRevision() > 0
        ? Math.min(watch.createdRevision(), request.getStartRevision() - 1) : watch.createdRevision();
    call.onNext(WatchStreamResponse.newBuilder()
        .setHeader(headers.at(startsAfter))
        .setWatchId(id)
        .setCreated(true)
        .build());
  }

  /** The lowest id from {@code nextId} on that no watch of the stream holds. */
  private long freeId() {
    while (watches.containsKey(nextId)) {
      nextId++;
    }
    return nextId++;
  }

  private void cancel(WatchCancelRequest request) {
    if (request.getWatchId() < 0) {
      call.onNext(canceled(request.getWatchId(), "INVALID_ARGUMENT: watch ids are positive; got "
          + request.getWatchId(), 0));
      return;
    }
    Entry entry = watches.remove(request.getWatchId());
    if (entry == null) {
      call.onNext(canceled(request.getWatchId(), "NOT_FOUND: no watch with id " + request.getWatchId()
          + " on this stream", 0));
      return;
    }
    entry.watch.close();
    call.onNext(canceled(entry.id, "canceled by the client", 0));
  }

  /** Answers a create that made no watch: created and canceled at once, with watch id -1. */
  private void refuseCreate(String reason, long compactRevision) {
    call.onNext(canceled(-1, reason, compactRevision).toBuilder().setCreated(true).build());
  }

  private WatchStreamResponse canceled(long id, String reason, long compactRevision) {
    return WatchStreamResponse.newBuilder()
        .setHeader(headers.current())
        .setWatchId(id)
        .setCanceled(true)
        .setCancelReason(reason)
        .setCompactRevision(compactRevision)
        .build();
  }

  /**
   * Tells the client that a watch ended; true when the watch is to be dropped from the stream. When
   * the node ended it for a reason of its own, the whole stream ends.
   */
  private boolean ended(Entry entry, WatchCancellation why) {
    long resume = entry.watch.lastPolledRevision() + 1;
    switch (why.reason()) {
      case OVERFLOW -> call.onNext(canceled(entry.id, "RESOURCE_EXHAUSTED: " + why.message()
          + "; watch again from revision " + resume, 0));
      case COMPACTED -> call.onNext(canceled(entry.id, "OUT_OF_RANGE: " + why.message(),
          hub.oldestReplayableRevision() - 1));
      case RESET, SHUTDOWN, LEADER_LOST -> {
        finish(Status.UNAVAILABLE.withDescription(why.message() + "; watch again from the revision after the last"
            + " event of each watch"));
        return false;
      }
      case CLOSED -> { }
    }
    return true;
  }

  /** Sends the changes of one revision, in fragments when they exceed a response's budget; returns responses sent. */
  private int send(Entry entry, List<Event> changes) {
    long revision = changes.get(0).revision();
    List<WatchEvent> events = new ArrayList<>(changes.size());
    for (Event e : changes) {
      if (e.type() == Event.Type.PUT ? !entry.noPut : !entry.noDelete) {
        events.add(toApi(e, entry.request.getPrevKv()));
      }
    }
    if (events.isEmpty()) {
      return 0;
    }
    entry.sentSinceTick = true;
    int responses = 0;
    WatchStreamResponse.Builder response = eventsResponse(entry.id, revision);
    long bytes = 0;
    for (WatchEvent event : events) {
      long size = event.getSerializedSize();
      if (response.getEventsCount() > 0 && bytes + size > RequestLimits.MAX_RANGE_BYTES) {
        call.onNext(response.setFragment(true).build());
        responses++;
        response = eventsResponse(entry.id, revision);
        bytes = 0;
      }
      response.addEvents(event);
      bytes += size;
    }
    call.onNext(response.build());
    return responses + 1;
  }

  private WatchStreamResponse.Builder eventsResponse(long id, long revision) {
    return WatchStreamResponse.newBuilder().setHeader(headers.at(revision)).setWatchId(id);
  }

  private static WatchEvent toApi(Event e, boolean prevKv) {
    WatchEvent.Builder event = WatchEvent.newBuilder()
        .setType(ApiMapping.toApi(e.type()))
        .setKv(ApiMapping.toApi(e.kv()));
    if (prevKv && e.prevKv() != null) {
      event.setPrevKv(ApiMapping.toApi(e.prevKv()));
    }
    return event.build();
  }

  /**
   * Answers a progress request once every watch of the stream has sent all it was given (watch id
   * -1, as etcd), and the tick of watches that asked for progress notifications.
   */
  private void sendProgress() {
    if (progressRequested) {
      long progress = streamProgress();
      if (progress >= 0) {
        progressRequested = false;
        call.onNext(WatchStreamResponse.newBuilder().setHeader(headers.at(progress)).setWatchId(-1).build());
      }
    }
    if (progressTick) {
      progressTick = false;
      for (Entry entry : watches.values()) {
        long progress = entry.request.getProgressNotify() && !entry.sentSinceTick ? hub.progress(entry.watch) : -1;
        entry.sentSinceTick = false;
        if (progress >= 0) {
          call.onNext(WatchStreamResponse.newBuilder().setHeader(headers.at(progress)).setWatchId(entry.id).build());
        }
      }
    }
  }

  /** The revision every watch of the stream is current to, or -1 while one still has something to send. */
  private long streamProgress() {
    long progress = hub.progress(null);
    for (Entry entry : watches.values()) {
      long p = hub.progress(entry.watch);
      if (p < 0) {
        return -1;
      }
      progress = Math.min(progress, p);
    }
    return progress;
  }

  private void closeAll() {
    ticks.cancel(false);
    watches.values().forEach(entry -> entry.watch.close());
    watches.clear();
  }

  private void finish(Status status) {
    if (finished) {
      return;
    }
    finished = true;
    closeAll();
    if (!call.isCancelled()) {
      call.onError(status.asRuntimeException());
    }
  }
}
