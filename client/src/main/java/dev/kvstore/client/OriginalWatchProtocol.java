package dev.kvstore.client;

import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.MethodDescriptor;

/** The original {@code KvStore.Watch}: one key or prefix per stream, one event per response. */
final class OriginalWatchProtocol implements WatchProtocol<WatchRequest, WatchResponse> {

  private final WatchOptions options;
  private final WatchListener listener;

  OriginalWatchProtocol(WatchOptions options, WatchListener listener) {
    this.options = options;
    this.listener = listener;
  }

  @Override
  public MethodDescriptor<WatchRequest, WatchResponse> method() {
    return ValueOnceMethods.WATCH;
  }

  @Override
  public WatchRequest start(long startRevision) {
    return WatchRequest.newBuilder()
        .setKey(options.key())
        .setPrefix(options.prefix())
        .setStartRevision(startRevision)
        .setOmitValue(true)
        .build();
  }

  @Override
  public Answer read(WatchResponse response) {
    return response.getCreated()
        ? new Created(response.getHeader().getRevision())
        : new Changes(response.getRevision(), response.getRevisionContinues() ? response.getKey() : null, response);
  }

  @Override
  public void deliver(Changes changes) {
    listener.onEvent((WatchResponse) changes.payload());
  }

  @Override
  public void progress(long revision) {
    // The original watch has no progress responses.
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
    return options.key();
  }
}
