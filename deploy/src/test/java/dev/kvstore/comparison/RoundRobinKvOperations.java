package dev.kvstore.comparison;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.Operation;
import dev.kvstore.bench.OperationType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The benchmark's operations on kvstore as a generic gRPC load generator sends them (etcd's
 * {@code benchmark} tool, ghz): plain {@code KvStore} calls, each to the next member in turn, with
 * no leader preference, no failover and no retries. So two thirds of the writes reach a follower,
 * which forwards them to the leader, and two thirds of the linearizable reads ask the leader for a
 * read index from a follower: the paths the Java client avoids ({@code KvStoreOperations}), which
 * a load generator that is not ours would measure. Gets ask for the value once ({@code omit_value}),
 * as the Java client does. Each request is given up after {@code requestTimeout} (a gRPC deadline:
 * {@code DEADLINE_EXCEEDED}).
 */
final class RoundRobinKvOperations implements Function<OperationType, Operation>, AutoCloseable {

  private final List<ManagedChannel> channels;
  private final List<KvStoreGrpc.KvStoreStub> stubs;
  private final KeySpace keys;
  private final ByteString value;
  private final long timeoutNanos;
  private final AtomicInteger turn = new AtomicInteger();

  /** @param endpoints the members' client endpoints, {@code host:port}, plaintext */
  RoundRobinKvOperations(List<String> endpoints, KeySpace keys, ByteString value, Duration requestTimeout) {
    this.channels = endpoints.stream()
        .map(endpoint -> (ManagedChannel) NettyChannelBuilder.forTarget(endpoint).usePlaintext().build())
        .toList();
    this.stubs = channels.stream().map(KvStoreGrpc::newStub).toList();
    this.keys = keys;
    this.value = value;
    this.timeoutNanos = requestTimeout.toNanos();
  }

  @Override
  public Operation apply(OperationType type) {
    return switch (type) {
      case PUT -> key -> send(next()::put, PutRequest.newBuilder().setKey(keys.key(key)).setValue(value).build());
      case GET -> key -> send(next()::get, get(key, ReadConsistency.LINEARIZABLE));
      case GET_SERIALIZABLE -> key -> send(next()::get, get(key, ReadConsistency.SERIALIZABLE));
    };
  }

  private GetRequest get(long key, ReadConsistency consistency) {
    return GetRequest.newBuilder().setKey(keys.key(key)).setConsistency(consistency).setOmitValue(true).build();
  }

  private KvStoreGrpc.KvStoreStub next() {
    return stubs.get(Math.floorMod(turn.getAndIncrement(), stubs.size()))
        .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private static <ReqT, RespT> CompletableFuture<RespT> send(BiConsumer<ReqT, StreamObserver<RespT>> call,
      ReqT request) {
    CompletableFuture<RespT> answer = new CompletableFuture<>();
    call.accept(request, new StreamObserver<>() {
      @Override
      public void onNext(RespT response) {
        answer.complete(response);
      }

      @Override
      public void onError(Throwable failure) {
        answer.completeExceptionally(failure);
      }

      @Override
      public void onCompleted() {
        answer.complete(null); // after onNext: no effect
      }
    });
    return answer;
  }

  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
