package dev.kvstore.node.api;

import dev.kvstore.api.WatchGrpc;
import dev.kvstore.api.WatchStreamRequest;
import dev.kvstore.api.WatchStreamResponse;
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.auth.Permissions;
import dev.kvstore.node.request.ResponseHeaders;
import dev.kvstore.statemachine.WatchHub;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The gRPC adapter of the {@code Watch} service: each call is a {@link WatchSession}. */
public final class WatchService extends WatchGrpc.WatchImplBase {

  private final WatchHub hub;
  private final ResponseHeaders headers;
  private final Executor senders;
  private final ScheduledExecutorService scheduler;
  private final Duration progressInterval;
  private final Permissions permissions;

  /** Serves watches of {@code hub}, sending on {@code senders}; {@code progressInterval}: see {@link WatchLimits}. */
  public WatchService(WatchHub hub, ResponseHeaders headers, Executor senders, ScheduledExecutorService scheduler,
      Duration progressInterval, Permissions permissions) {
    this.hub = hub;
    this.permissions = permissions;
    this.headers = headers;
    this.senders = senders;
    this.scheduler = scheduler;
    this.progressInterval = progressInterval;
  }

  @Override
  public StreamObserver<WatchStreamRequest> watch(StreamObserver<WatchStreamResponse> out) {
    // The session handles requests on its executor, where the call's context is not current.
    return new WatchSession((ServerCallStreamObserver<WatchStreamResponse>) out, hub, headers, senders, scheduler,
        progressInterval, permissions, CallerIdentity.current());
  }
}
