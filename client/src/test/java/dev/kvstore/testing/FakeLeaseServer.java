package dev.kvstore.testing;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseKeepAliveRequest;
import dev.kvstore.api.LeaseKeepAliveResponse;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseStatus;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Lease service with a table of leases and no clock, for client and CLI tests: leases end only
 * when the test removes them; keep-alive streams can be made to fail.
 */
public final class FakeLeaseServer extends LeaseGrpc.LeaseImplBase {
  public final Map<Long, Long> leases = new ConcurrentHashMap<>();
  public final List<LeaseGrantRequest> grants = new CopyOnWriteArrayList<>();
  public final AtomicInteger keepAlives = new AtomicInteger();
  public volatile boolean breakKeepAlives;
  private final AtomicInteger ids = new AtomicInteger(1000);
  private final Server server;

  public FakeLeaseServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(this).build().start();
  }

  public String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  public long grant(long ttl) {
    long id = ids.incrementAndGet();
    leases.put(id, ttl);
    return id;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    grants.add(request);
    long id = request.getId() != 0 ? request.getId() : ids.incrementAndGet();
    leases.put(id, request.getTtl());
    out.onNext(LeaseGrantResponse.newBuilder().setId(id).setTtl(request.getTtl()).build());
    out.onCompleted();
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    if (leases.remove(request.getId()) == null) {
      out.onError(Status.NOT_FOUND.withDescription("lease not found").asRuntimeException());
      return;
    }
    out.onNext(LeaseRevokeResponse.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    Long ttl = leases.get(request.getId());
    out.onNext(LeaseTimeToLiveResponse.newBuilder().setId(request.getId()).setTtl(ttl == null ? -1 : ttl)
        .setGrantedTtl(ttl == null ? 0 : ttl).build());
    out.onCompleted();
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
    LeaseLeasesResponse.Builder response = LeaseLeasesResponse.newBuilder();
    leases.keySet().forEach(id -> response.addLeases(LeaseStatus.newBuilder().setId(id)));
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    return new StreamObserver<>() {
      @Override
      public synchronized void onNext(LeaseKeepAliveRequest request) {
        if (breakKeepAlives) {
          out.onError(Status.UNAVAILABLE.withDescription("no leader").asRuntimeException());
          return;
        }
        keepAlives.incrementAndGet();
        Long ttl = leases.get(request.getId());
        out.onNext(LeaseKeepAliveResponse.newBuilder().setId(request.getId()).setTtl(ttl == null ? 0 : ttl).build());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  public void close() {
    server.shutdownNow();
  }
}
