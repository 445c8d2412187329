package dev.kvstore.client;

import dev.kvstore.api.WatchCreateRequest;
import dev.kvstore.api.WatchEvent;
import dev.kvstore.api.WatchFilterType;
import dev.kvstore.api.WatchGrpc;
import dev.kvstore.api.WatchStreamRequest;
import dev.kvstore.api.WatchStreamResponse;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * The multiplexed {@code Watch.Watch}, with one watch per stream: every option of
 * {@link WatchOptions}, the changes of a revision together (fragments joined), progress responses.
 * A watch the node cancels is read as the status its {@code cancel_reason} starts with.
 */
final class WatchServiceProtocol implements WatchProtocol<WatchStreamRequest, WatchStreamResponse> {

  private final WatchOptions options;
  private final RevisionListener listener;
  /** Events of a fragmented revision received so far. */
  private final List<WatchEvent> fragments = new ArrayList<>();

  WatchServiceProtocol(WatchOptions options, RevisionListener listener) {
    this.options = options;
    this.listener = listener;
  }

  /** The create request for {@code options} from {@code startRevision}. */
  static WatchStreamRequest createRequest(WatchOptions options, long startRevision) {
    WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder()
        .setKey(options.key())
        .setRangeEnd(options.rangeEnd())
        .setPrefix(options.prefix())
        .setStartRevision(startRevision)
        .setPrevKv(options.prevKv())
        .setProgressNotify(options.progressNotify());
    if (options.noPut()) {
      create.addFilters(WatchFilterType.NOPUT);
    }
    if (options.noDelete()) {
      create.addFilters(WatchFilterType.NODELETE);
    }
    return WatchStreamRequest.newBuilder().setCreateRequest(create).build();
  }

  @Override
  public MethodDescriptor<WatchStreamRequest, WatchStreamResponse> method() {
    return WatchGrpc.getWatchMethod();
  }

  @Override
  public WatchStreamRequest start(long startRevision) {
    fragments.clear();
    return createRequest(options, startRevision);
  }

  @Override
  public Answer read(WatchStreamResponse response) {
    // First: a refused create is answered created and canceled at once.
    if (response.getCanceled()) {
      return new Ended(statusOf(response.getCancelReason()));
    }
    if (response.getCreated()) {
      return new Created(response.getHeader().getRevision());
    }
    if (response.getEventsCount() == 0) {
      return new Progress(response.getHeader().getRevision());
    }
    fragments.addAll(response.getEventsList());
    if (response.getFragment()) {
      return new Pending();
    }
    List<WatchEvent> events = List.copyOf(fragments);
    fragments.clear();
    return new Changes(response.getHeader().getRevision(), null, events);
  }

  /** A cancel reason reads "CODE: sentence"; the code says whether the watch can go on elsewhere. */
  static Status statusOf(String cancelReason) {
    int colon = cancelReason.indexOf(':');
    if (colon > 0) {
      try {
        return Status.fromCode(Status.Code.valueOf(cancelReason.substring(0, colon)))
            .withDescription(cancelReason.substring(colon + 1).trim());
      } catch (IllegalArgumentException notACode) {
        // Fall through: a reason without a status.
      }
    }
    return Status.UNKNOWN.withDescription(cancelReason);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void deliver(Changes changes) {
    listener.onRevision(changes.revision(), (List<WatchEvent>) changes.payload());
  }

  @Override
  public void progress(long revision) {
    listener.onProgress(revision);
  }

  @Override
  public void interrupted(String why) {
    listener.onInterrupted(why);
  }

  @Override
  public void fail(KvClientException error) {
    listener.onError(error);
  }

  @Override
  public String describe() {
    return options.key() + (options.prefix() ? "*" : options.rangeEnd().isEmpty() ? "" : ".." + options.rangeEnd());
  }
}
